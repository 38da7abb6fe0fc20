"""Seance (issue 14): a session that crashed mid-task is followed by one whose `gt prime` shows
what its predecessor did; `gt handoff` leaves a note the next session reads first; `gt seance`
lists an agent's sessions, newest first. Real sim workers in real tmux.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from engine_town import OVERSEER, new_bead
from town_fixtures import eventually

from gastown_tui.cli import gt_main
from gastown_tui.store import json_codec
from gastown_tui.town.seance.sessions import agent_seance, handoffs_to
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.handoff import handoff
from gastown_tui.town.work.prime import prime_context, prime_text
from gastown_tui.town.work.respawn import respawn
from gastown_tui.town.work.sling import sling


def _dead(town: Town, session: str) -> bool:
    panes = {pane.session: pane for pane in town.tmux.panes() or []}
    return session not in panes or panes[session].dead


def test_after_a_crash_the_next_session_primes_with_what_its_predecessor_did(
    engine_town_factory: Callable[..., Town],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    town = engine_town_factory()
    bead = new_bead(town, "Parse the config", "demo")
    slung = sling(town, bead, "demo", formula="mol-polecat-work", variables={"sim.mode": "crash"},
                  runtime=None, force=False, actor=OVERSEER)  # fmt: skip
    session = polecat_session("de", slung.polecat)
    eventually(lambda: _dead(town, session), what="the sim worker to crash mid-task")
    town.store.projection.catch_up()
    first_step = prime_context(town, slung.agent)["molecule"]["steps"][0]
    assert first_step["state"] == "done", "it closed one step before it crashed"

    respawn(town, town.rig("demo"), slung.polecat, bead, "zombie: the session is dead", "deacon")
    context = prime_context(town, slung.agent)
    earlier = context["seance"]["sessions"]
    assert len(earlier) == 1
    assert earlier[0]["agent"] == slung.agent and earlier[0]["attempt"] == 1
    assert earlier[0]["end_reason"] == "zombie: the session is dead"
    assert [line.split(" ", 1)[1] for line in earlier[0]["did"]] == [
        f"closed step {first_step['step']}"]  # fmt: skip
    text = prime_text(context)
    assert "## Seance: what earlier sessions did" in text
    assert f"closed step {first_step['step']}" in text and "ended: zombie" in text

    note = handoff(town, slung.agent, "the parser half is done", slung.agent)
    assert note.status.startswith(f"{bead} attempt 1:") and note.restarted
    assert note.restarted[-1].startswith(f"started {bead} in a fresh session")
    context = prime_context(town, slung.agent)
    assert context["seance"]["last_handoff"]["context"] == "the parser half is done"
    assert [s["end_reason"] for s in context["seance"]["sessions"]] == [
        "zombie: the session is dead", "cycled"]  # fmt: skip
    assert any("handoff:" in line for line in context["seance"]["sessions"][1]["did"])
    assert "Last handoff from" in prime_text(context)

    seance = agent_seance(town.store, slung.agent)
    assert [s.end_reason for s in seance.sessions][1:] == ["cycled", "zombie: the session is dead"]
    assert seance.handoffs[0].context == "the parser half is done"
    monkeypatch.setenv("GT_TOWN", str(town.paths.root))
    monkeypatch.chdir(town.paths.root)
    assert gt_main.main(["seance", f"demo/{slung.polecat}"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"{slung.agent}: 3 session(s), newest first")
    assert "zombie: the session is dead" in shown and "the parser half is done" in shown
    assert gt_main.main(["seance", slung.agent, "--json"]) == 0
    assert len(json_codec.loads(capsys.readouterr().out)["sessions"]) == 3
    assert gt_main.main(["handoff", "-m", "tests next", "--agent", slung.agent, "--json"]) == 0
    shown = json_codec.loads(capsys.readouterr().out)
    assert shown["agent"] == slung.agent and shown["bead"] == bead and shown["restarted"]
    assert handoffs_to(town.store, slung.agent)[0].context == "tests next"


def test_handoff_refuses_what_is_not_a_worker(engine_town_factory: Callable[..., Town]) -> None:
    town = engine_town_factory()
    with pytest.raises(TownError, match="not a polecat or crew member"):
        handoff(town, "mayor", "note", "mayor")
    with pytest.raises(TownError, match="needs the agent's address"):
        handoff(town, "nobody at all", "note", "overseer")
