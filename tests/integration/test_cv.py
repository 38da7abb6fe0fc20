"""CVs (issue 14) on a generated history of 2,000 tasks across 30 agents: every figure the
engine computes from the log equals what this test computes from the generator's specs with
plain loops (a second, independent derivation), for every agent and every model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cv_history import NOW, UNTRIED, Spec, generate_specs, write_history

from gastown_tui.core.cv_figures import RISING_REWORK, THREE_FAILURES, CvRecord
from gastown_tui.core.events import make_event
from gastown_tui.store import json_codec
from gastown_tui.town.cv.agent_cvs import agent_cv, cv_board, cv_json, town_cvs
from gastown_tui.town.town import Town, TownError

FINISHED = ("landed", "respawn-limit", "rework-limit", "taken-over")


def _p90(values: list[float]) -> float | None:
    """The smallest value with at least 90% of the values at or below it."""
    for value in sorted(values):
        if sum(1 for other in values if other <= value) >= 0.9 * len(values):
            return value
    return None


def _expected(specs: list[Spec]) -> dict[str, object]:
    finished = [s for s in specs if s.outcome in FINISHED]
    landed = [s for s in finished if s.outcome == "landed"]
    times = [float(s.end - s.hooked) for s in landed if s.end is not None]
    return {
        "tasks": len(specs),
        "finished": len(finished),
        "landed": len(landed),
        "successes": len([s for s in landed if s.reworks == 0]),
        "reworked": len([s for s in finished if s.reworks > 0]),
        "mean": sum(times) / len(times) if times else None,
        "p90": _p90(times),
    }


def _expected_flags(specs: list[Spec]) -> list[str]:
    finished = sorted((s for s in specs if s.outcome in FINISHED), key=lambda s: s.end or 0)
    flags = []
    last_three = finished[-3:]
    if len(last_three) == 3 and all(s.outcome != "landed" or s.reworks for s in last_three):
        flags.append(THREE_FAILURES)
    cut = (NOW - timedelta(days=7)).timestamp()
    recent = [s for s in finished if (s.end or 0) >= cut]
    earlier = [s for s in finished if (s.end or 0) < cut]
    if len(recent) >= 3 and len(earlier) >= 3:
        now_rate = len([s for s in recent if s.reworks]) / len(recent)
        before_rate = len([s for s in earlier if s.reworks]) / len(earlier)
        if now_rate - before_rate >= 0.2:
            flags.append(RISING_REWORK)
    return flags


def _check(record: CvRecord, specs: list[Spec]) -> None:
    expected = _expected(specs)
    figures = record.figures
    got = {"tasks": figures.tasks, "finished": figures.finished, "landed": figures.landed,
           "successes": figures.successes, "reworked": figures.reworked,
           "mean": figures.mean_hook_to_merge, "p90": figures.p90_hook_to_merge}  # fmt: skip
    assert got == pytest.approx(expected, abs=1e-3), record.key


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Town, list[Spec]]:
    specs = generate_specs()
    town = write_history(tmp_path_factory.mktemp("cv") / "town", specs)
    yield town, specs
    town.close()


def test_generated_history_has_every_kind_of_task(history: tuple[Town, list[Spec]]) -> None:
    _, specs = history
    assert len(specs) == 2000 and len({s.agent for s in specs}) == 30
    kinds = {s.outcome for s in specs}
    assert kinds == {"landed", "respawn-limit", "rework-limit", "released", "open", "taken-over"}


def test_every_agents_figures_match_the_hand_computed_ones(
    history: tuple[Town, list[Spec]],
) -> None:
    town, specs = history
    by_agent: dict[str, list[Spec]] = defaultdict(list)
    for spec in specs:
        by_agent[spec.agent].append(spec)
    cvs = town_cvs(town)
    assert set(cvs.agents) == {*by_agent, UNTRIED}
    for agent, mine in by_agent.items():
        record = cvs.agents[agent]
        _check(record, mine)
        assert list(record.flags) == _expected_flags(mine), agent
        assert record.groups == tuple(sorted({s.model_label for s in mine}))
    rookie = cvs.agents[UNTRIED].figures
    assert (rookie.tasks, rookie.success_rate, rookie.mean_hook_to_merge) == (0, None, None)
    flagged = {flag for record in cvs.agents.values() for flag in record.flags}
    assert flagged == {THREE_FAILURES, RISING_REWORK}, "the seeded history raises both flags"


def test_capabilities_trend_and_models_match(history: tuple[Town, list[Spec]]) -> None:
    town, specs = history
    cvs = town_cvs(town)
    agent = specs[0].agent
    mine = [s for s in specs if s.agent == agent]
    record = cvs.agents[agent]
    keys = {c.key for c in record.capabilities}
    assert keys == {*(label for s in mine for label in s.labels), *(f"rig:{s.rig}" for s in mine)}
    for label in ("lang:go", "area:ui", f"rig:{mine[0].rig}"):
        tagged = [s for s in mine if label in s.labels or label == f"rig:{s.rig}"]
        capability = record.capability(label)
        assert capability is not None
        _check(CvRecord(label, capability, (), (), (), (), None), tagged)
    days = [(NOW.date() - timedelta(days=back)).isoformat() for back in range(6, -1, -1)]
    assert [d.day for d in record.trend] == days
    for day in record.trend:
        ended = [s for s in mine if s.outcome in FINISHED and s.end is not None
                 and datetime.fromtimestamp(s.end, UTC).date().isoformat() == day.day]  # fmt: skip
        assert (day.finished, day.successes) == (
            len(ended),
            len([s for s in ended if s.outcome == "landed" and not s.reworks]),
        )
    by_model: dict[str, list[Spec]] = defaultdict(list)
    for spec in specs:
        by_model[spec.model_label].append(spec)
    board = cv_board(town, by="model")
    assert (
        [r.key for r in board]
        == sorted(by_model)
        == sorted(["claude-opus-4", "claude-sonnet-4", "claude-haiku-4", "sim"])
    )
    for model_record in board:
        _check(model_record, by_model[model_record.key])


def test_agent_cv_by_short_name_and_json(history: tuple[Town, list[Spec]]) -> None:
    town, specs = history
    agent = specs[0].agent
    rig, _, name = agent.split("/")
    record = agent_cv(town, f"{rig}/{name}")
    data = cv_json(record)
    assert data["key"] == agent and data["figures"]["tasks"] == record.figures.tasks
    assert data["figures"]["success_rate"] == round(record.figures.success_rate or 0, 4)
    with pytest.raises(TownError, match="no agent 'alpha/nobody'"):
        agent_cv(town, "alpha/nobody")
    with pytest.raises(TownError, match="not an address"):
        agent_cv(town, "what is this")


def test_the_log_is_read_again_only_for_what_was_appended(tmp_path: Path) -> None:
    specs = generate_specs(seed=3, tasks=40, count=6)
    town = write_history(tmp_path / "town", specs)
    before = town_cvs(town).tasks
    assert town_cvs(town).tasks is before, "no new events: the same tasks, not re-derived"
    sling = make_event(
        "01KZZZZZZZZZZZZZZZZZZZZZZZ",
        "2030-01-30T23:00:00.000000Z",
        "overseer",
        "sling",
        "al-t99999",
        {"agent": "alpha/polecats/p00", "rig": "alpha"},
    )
    line = json_codec.dumps(sling) + b"\n"
    log = town.paths.beads / "events.jsonl"
    with log.open("ab") as handle:
        handle.write(line[:40])  # a writer caught mid-line: not read yet
    assert len(town_cvs(town).tasks) == len(before)
    with log.open("ab") as handle:
        handle.write(line[40:])
    after = town_cvs(town).tasks
    assert len(after) == len(before) + 1 and after[-1].bead == "al-t99999"
    log.write_bytes(b"")  # replaced by something shorter: read again from the start
    assert town_cvs(town).tasks == ()
    town.close()


def _gt(town: Town, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GT_", "BD_", "BEADS_"))}
    env["GT_TOWN"] = str(town.paths.root)
    return subprocess.run([sys.executable, "-m", "gastown_tui.cli.gt_main", *args], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_gt_cv_and_the_board(history: tuple[Town, list[Spec]]) -> None:
    town, specs = history
    agent = specs[0].agent
    shown = _gt(town, "cv", agent, "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["figures"] == cv_json(agent_cv(town, agent))["figures"]
    text = _gt(town, "cv", agent).stdout
    assert text.startswith(agent) and "capabilities" in text and "rig:" in text
    board = _gt(town, "cv", "board", "--by", "model", "--sort", "success", "--json")
    rates = [row["figures"]["success_rate"] for row in json.loads(board.stdout)]
    assert len(rates) == 4 and rates == sorted(rates, reverse=True)
    lines = _gt(town, "cv", "board").stdout.splitlines()
    assert lines[0].split()[:3] == ["agent", "tasks", "landed"] and len(lines) == 32
    bad = _gt(town, "cv", "board", "--sort", "luck")
    assert bad.returncode == 2 and "--sort 'luck'" in bad.stderr
    missing = _gt(town, "cv", "beta/nobody")
    assert missing.returncode == 1 and "no agent 'beta/nobody'" in missing.stderr
