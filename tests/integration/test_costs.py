"""Costs (issue 14): `gt costs` sums the log's usage events by agent, rig, convoy or model, over
a window; an agent without usage (sim) costs zero but has its row."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from engine_town import OVERSEER, new_bead

from gastown_tui.cli import gt_main
from gastown_tui.core.clock import FixedClock
from gastown_tui.store import json_codec
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.convoys.convoy_changes import create_convoy
from gastown_tui.town.costs.cost_report import NO_CONVOY, cost_report, parse_since
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.polecats import spawn

ACE, BOB = "alpha/polecats/ace", "beta/polecats/bob"


def _usage(town: Town, agent: str, session: str, model: str, tokens: tuple[int, int],
           cost: float, bead: str, rig: str) -> None:  # fmt: skip
    """What usage_recording.record_usage writes: one `usage` event by the agent."""
    data = {"agent": agent, "session": session, "model": model, "input_tokens": tokens[0],
            "output_tokens": tokens[1], "cost_usd": cost, "bead": bead, "rig": rig}  # fmt: skip
    with write_transaction(town.store, agent) as tx:
        tx.emit("usage", bead, data)


def test_costs_by_every_grouping_and_window(
    engine_town_factory: Callable[..., Town],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    town = engine_town_factory(rigs=("alpha", "beta"))
    for rig, name in (("alpha", "ace"), ("beta", "bob"), ("alpha", "simmy")):
        spawn(town, rig, name, "sim" if name == "simmy" else None, OVERSEER)
    first, second = new_bead(town, "A", "alpha"), new_bead(town, "B", "beta")
    loose = new_bead(town, "C", "alpha")
    convoy = create_convoy(town, "Release", [first, second], actor=OVERSEER).id
    assert isinstance(town.clock, FixedClock)
    _usage(town, ACE, "al-ace", "claude-opus-4", (1000, 200), 0.5, first, "alpha")
    _usage(town, ACE, "al-ace", "claude-opus-4", (500, 100), 0.25, first, "alpha")  # same session
    _usage(town, BOB, "be-bob", "claude-haiku-4", (4000, 800), 0.04, second, "beta")
    town.clock.advance(2 * 86400)
    _usage(town, ACE, "al-ace2", "claude-haiku-4", (300, 30), 0.01, loose, "alpha")

    by_agent = {row.key: row for row in cost_report(town).rows}
    assert by_agent[ACE].cost_usd == pytest.approx(0.76) and by_agent[ACE].sessions == 2
    assert (by_agent[ACE].input_tokens, by_agent[ACE].output_tokens) == (1800, 330)
    assert by_agent["alpha/polecats/simmy"].cost_usd == 0, "sim records nothing: zero"
    assert list(by_agent)[:2] == [ACE, BOB], "most expensive first"
    report = cost_report(town, by="model")
    assert {r.key: r.cost_usd for r in report.rows} == pytest.approx(
        {"claude-opus-4": 0.75, "claude-haiku-4": 0.05}
    )
    assert report.total.cost_usd == pytest.approx(0.80) and report.total.sessions == 3
    assert {r.key: r.cost_usd for r in cost_report(town, by="rig").rows} == pytest.approx(
        {"alpha": 0.76, "beta": 0.04}
    )
    assert {r.key: r.cost_usd for r in cost_report(town, by="convoy").rows} == pytest.approx(
        {convoy: 0.79, NO_CONVOY: 0.01}
    )
    recent = cost_report(town, by="agent", since=parse_since("1d", town.clock.now()))
    assert recent.total.cost_usd == pytest.approx(0.01)
    with pytest.raises(TownError, match="--since 'soon'"):
        parse_since("soon", town.clock.now())
    with pytest.raises(TownError, match="--by 'mood'"):
        cost_report(town, by="mood")

    monkeypatch.setenv("GT_TOWN", str(town.paths.root))
    monkeypatch.chdir(town.paths.root)
    assert gt_main.main(["costs", "--by", "model", "--json"]) == 0
    shown = json_codec.loads(capsys.readouterr().out)
    assert shown["total"]["cost_usd"] == pytest.approx(0.80)
    assert gt_main.main(["costs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[0] == "agent" and lines[2].startswith(ACE) and "$0.76" in lines[2]
    assert lines[-1].startswith("total") and "$0.80" in lines[-1]
    assert gt_main.main(["costs", "--since", "soon"]) == 1
    assert "--since 'soon'" in capsys.readouterr().err
