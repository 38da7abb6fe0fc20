"""Routing (issue 14): `gt sling <bead> <rig>` gives the bead to the idle polecat whose CV fits
its labels best (the documented rule: mean over capabilities of (good + 1) / (finished + 2)),
explores an untried identity now and then (seeded, injectable), spawns when none is idle, and
`--explain` says why.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from engine_town import OVERSEER, new_bead

from gastown_tui.cli import gt_main
from gastown_tui.core.cv_figures import cv_record
from gastown_tui.core.cv_tasks import FAILED, LANDED, Task
from gastown_tui.store import json_codec
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.town import Town
from gastown_tui.town.work.polecats import spawn
from gastown_tui.town.work.routing import BEST_FIT, EXPLORED, ONLY_ONE, choose, recent_choice
from gastown_tui.town.work.sling import sling


class FixedDraw(random.Random):
    """A random source whose draws are all `value` (for the exploration branch)."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value
        self.draws = 0

    def random(self) -> float:
        self.draws += 1
        return self.value


def _tasks(agent: str, bead_labels: dict[str, tuple[str, ...]], good: int, bad: int,
           label: str) -> tuple[list[Task], dict[str, tuple[str, ...]]]:  # fmt: skip
    tasks = []
    for n in range(good + bad):
        bead = f"{agent}-{label}-{n}"
        bead_labels[bead] = (label,)
        outcome = LANDED if n < good else FAILED
        tasks.append(Task(agent, bead, "demo", "sim", 0.0, 100.0, outcome))
    return tasks, bead_labels


def _cvs(history: dict[str, list[tuple[str, int, int]]]) -> dict[str, object]:
    labels: dict[str, tuple[str, ...]] = {}
    cvs = {}
    for name, records in history.items():
        agent = f"demo/polecats/{name}"
        tasks: list[Task] = []
        for label, good, bad in records:
            tasks += _tasks(agent, labels, good, bad, label)[0]
        cvs[agent] = cv_record(agent, tasks, labels, 1000.0, lambda t: t.model)
    return cvs


def test_the_best_fit_wins_by_the_documented_rule() -> None:
    cvs = _cvs({"gopher": [("lang:go", 8, 0)], "pythonista": [("lang:py", 9, 1)],
                "clumsy": [("lang:go", 1, 5)], "rookie": []})  # fmt: skip
    idle = ["rookie", "clumsy", "pythonista", "gopher"]  # resting longest first
    never = FixedDraw(0.99)
    choice = choose("dm-1", "demo", idle, cvs, ["lang:go", "rig:demo"], never)  # type: ignore[arg-type]
    fits = {s.name: round(s.fit, 4) for s in choice.scores}
    # lang:go: gopher 9/10, clumsy 2/8, others 1/2; rig:demo: gopher 9/10, pythonista 10/12,
    # clumsy 2/8, rookie 1/2.
    assert fits == {"gopher": 0.9, "pythonista": round((0.5 + 10 / 12) / 2, 4),
                    "rookie": 0.5, "clumsy": 0.25}  # fmt: skip
    assert (choice.chosen, choice.reason) == ("gopher", BEST_FIT)
    assert [s.name for s in choice.scores] == ["gopher", "pythonista", "rookie", "clumsy"]
    py = choose("dm-2", "demo", idle, cvs, ["lang:py", "rig:demo"], never)  # type: ignore[arg-type]
    assert py.chosen == "pythonista"
    tie = choose("dm-3", "demo", ["rookie", "newbie"], {}, ["area:ui"], never)
    assert tie.chosen == "rookie" and never.draws == 2, "a tie goes to the one resting longest"
    assert choose("dm-4", "demo", ["rookie"], {}, [], never).reason == ONLY_ONE


def test_exploration_gives_an_untried_identity_a_go_now_and_then() -> None:
    cvs = _cvs({"gopher": [("lang:go", 8, 0)], "rookie": [], "newbie": []})
    idle = ["gopher", "newbie", "rookie"]
    always = FixedDraw(0.0)
    explored = choose("dm-1", "demo", idle, cvs, ["lang:go"], always)  # type: ignore[arg-type]
    assert (explored.chosen, explored.reason) == ("newbie", EXPLORED)
    untried_only = FixedDraw(0.0)
    choose("dm-2", "demo", ["newbie", "rookie"], cvs, ["lang:go"], untried_only)  # type: ignore[arg-type]
    assert untried_only.draws == 0, "no draw without a real choice between tried and untried"
    seeded = random.Random(7)
    picks = [choose(f"dm-{n}", "demo", idle, cvs, ["lang:go"], seeded).chosen  # type: ignore[arg-type]
             for n in range(200)]  # fmt: skip
    assert 0.04 < picks.count("newbie") / len(picks) < 0.18, "about one time in ten"
    assert "rookie" not in picks, "the untried one resting longest is explored first"


def _record(town: Town, agent: str, label: str, good: int, bad: int) -> None:
    """A history in the log: `good` clean landings and `bad` respawn-limit failures on beads
    labelled `label`."""
    for n in range(good + bad):
        bead = new_bead(town, f"{label} work {n}", "demo", status="closed", labels=[label])
        with write_transaction(town.store, OVERSEER) as tx:
            tx.emit("sling", bead, {"agent": agent, "rig": "demo", "runtime": "sim"})
            if n < good:
                tx.emit("merged", f"{bead}-mr", {"bead": bead, "agent": agent, "mr": f"{bead}-mr"})
            else:
                tx.emit("session_end", bead, {"bead": bead, "agent": agent,
                                              "reason": "respawn limit: 3 respawns"})  # fmt: skip


def test_gt_sling_routes_by_cv_explains_and_spawns_when_none_is_idle(
    engine_town_factory: Callable[..., Town],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    town = engine_town_factory()
    for name in ("ace", "bungler"):
        spawn(town, "demo", name, None, OVERSEER)
    _record(town, "demo/polecats/ace", "area:ui", 4, 0)
    _record(town, "demo/polecats/bungler", "area:ui", 0, 4)
    ui_work = new_bead(town, "Fix the header", "demo", labels=["area:ui"])
    monkeypatch.setenv("GT_TOWN", str(town.paths.root))
    monkeypatch.chdir(town.paths.root)
    assert gt_main.main(["sling", ui_work, "demo", "--explain", "--var", "sim.mode=hang"]) == 0
    text = capsys.readouterr().out
    assert f"routing {ui_work} in demo on area:ui, rig:demo: ace (best fit)" in text
    assert "▶ ace" in text and "area:ui 4/4" in text and "area:ui 0/4" in text
    town.store.projection.catch_up()
    assert town.store.get(ui_work)["assignee"] == "demo/polecats/ace"

    more = new_bead(town, "Another header", "demo", labels=["area:ui"])
    assert gt_main.main(["sling", more, "demo", "--explain", "--json"]) == 0
    shown = json_codec.loads(capsys.readouterr().out)
    assert shown["polecat"] == "bungler" and shown["routing"]["reason"] == ONLY_ONE
    assert shown["routing"]["scores"][0]["fit"] == pytest.approx(1 / 6, abs=1e-4)

    third = new_bead(town, "Nobody is idle now", "demo")
    result = sling(town, third, "demo", formula="mol-polecat-work", variables={"sim.mode": "hang"},
                   runtime=None, force=False, actor=OVERSEER)  # fmt: skip
    assert result.spawned and recent_choice(town, third) is None
