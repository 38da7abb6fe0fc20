"""A polecat's lifecycle as the operator sees it: hooked work it claimed is still its hook, a
respawn keeps its worktree, `gt down`/`gt up` resume without counting respawns (DESIGN §4, §6)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from engine_town import new_bead
from town_fixtures import eventually

from gastown_tui.core import record as rec
from gastown_tui.town.read_model.town_status import town_status
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.setup.town_sessions import resume_polecats
from gastown_tui.town.setup.town_shutdown import take_down
from gastown_tui.town.supervision.deacon import deacon_patrol
from gastown_tui.town.supervision.patrol_tick import PatrolTick
from gastown_tui.town.supervision.progress_tracker import ProgressTracker
from gastown_tui.town.town import Town
from gastown_tui.town.work.respawn import respawn
from gastown_tui.town.work.sling import SlingResult, sling
from gastown_tui.town.work.unsling import unsling
from gastown_tui.town.work.work_sessions import session_alive


def sling_hanging(town: Town, title: str) -> tuple[str, SlingResult]:
    bead = new_bead(town, title, "demo")
    slung = sling(town, bead, "demo", formula="mol-polecat-work", variables={"sim.mode": "hang"},
                  runtime=None, force=False, actor="overseer")  # fmt: skip
    return bead, slung


def bd_as(town: Town, actor: str, *args: str) -> None:
    """The real `bd`, as an agent runs it in its session."""
    env = {**town.environ, "BD_ACTOR": actor, "BEADS_DIR": str(town.paths.beads)}
    subprocess.run([sys.executable, "-m", "gastown_tui.cli.bd_main", *args], env=env,
                   cwd=town.paths.root, check=True, capture_output=True)  # fmt: skip


def test_a_polecat_that_claimed_its_hooked_bead_is_working_on_it(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    bead, slung = sling_hanging(town, "Claim me")
    bd_as(town, slung.agent, "update", bead, "--claim")  # what an agent does first
    record = town.store.get(bead)
    assert record is not None and rec.status_of(record) == "in_progress"
    (row,) = town_status(town)["rigs"][0]["polecats"]
    assert row["state"] == "working" and row["current"] == bead and row["hook"] == [bead]
    # The Deacon still supervises it: a dead session is a ZOMBIE, respawned on the same bead.
    town.tmux.kill_session(polecat_session(town.rig("demo").prefix, slung.polecat))
    found = deacon_patrol(town, ProgressTracker(), PatrolTick(1, town.clock.now().timestamp(), []))
    (zombie,) = [f for f in found if f.get("bead") == bead]
    assert zombie["state"] == "ZOMBIE" and zombie["session"] is not None


def settled_worktree(town: Town, slung: SlingResult) -> Path:
    """The polecat's worktree once its hanging sim has started (so it writes nothing more)."""
    session = polecat_session(town.rig("demo").prefix, slung.polecat)
    eventually(lambda: "hanging" in town.tmux.capture(session), what="the sim to settle")
    return town.paths.polecat("demo", slung.polecat)


def test_a_respawned_polecat_keeps_its_worktree_and_uncommitted_edit(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    bead, slung = sling_hanging(town, "Do not lose my edit")
    worktree = settled_worktree(town, slung)
    edit = worktree / "half-done.txt"
    edit.write_text("not committed yet\n")
    (worktree / "README.md").write_text("changed, not staged\n")
    session = polecat_session(town.rig("demo").prefix, slung.polecat)
    town.tmux.kill_session(session)  # the session dies: a ZOMBIE
    found = deacon_patrol(town, ProgressTracker(), PatrolTick(1, town.clock.now().timestamp(), []))
    (zombie,) = [f for f in found if f.get("bead") == bead]
    assert zombie["state"] == "ZOMBIE" and zombie["session"] == session
    assert edit.read_text() == "not committed yet\n"
    assert (worktree / "README.md").read_text() == "changed, not staged\n"
    # A GUPP restart (a live but stuck session) keeps it too.
    respawn(town, town.rig("demo"), slung.polecat, bead, "gupp: test", "deacon")
    assert edit.read_text() == "not committed yet\n"
    record = town.store.get(bead)
    assert record is not None and rec.metadata_of(record)["respawns"] == 2
    assert session_alive(town, session)


def test_a_dirty_worktree_of_other_work_is_moved_aside_not_deleted(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    first, slung = sling_hanging(town, "Unslung with edits")
    worktree = settled_worktree(town, slung)
    (worktree / "keep-me.txt").write_text("someone's work\n")
    unsling(town, first, "overseer")
    assert (worktree / "keep-me.txt").exists(), "unsling leaves the worktree"
    second = new_bead(town, "Next work", "demo")
    sling(town, second, f"demo/{slung.polecat}", formula="mol-polecat-work",
          variables={"sim.mode": "hang"}, runtime=None, force=False, actor="overseer")  # fmt: skip
    (aside,) = worktree.parent.glob(f"{slung.polecat}.kept-*")
    assert (aside / "keep-me.txt").read_text() == "someone's work\n"
    assert not (worktree / "keep-me.txt").exists()


def test_down_then_up_resumes_hooked_polecats_without_a_respawn(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    bead, slung = sling_hanging(town, "Survive gt down")
    worktree = settled_worktree(town, slung)
    (worktree / "overnight.txt").write_text("uncommitted\n")
    session = polecat_session(town.rig("demo").prefix, slung.polecat)
    assert take_down(town, "overseer") == [session]
    record = town.store.get(bead)
    assert record is not None and rec.metadata_of(record).get("session") is None
    # The Deacon of the next `gt up` sees hooked work to start, not a ZOMBIE.
    found = deacon_patrol(town, ProgressTracker(), PatrolTick(1, town.clock.now().timestamp(), []))
    assert [(f["state"], f["action"]) for f in found] == [("hooked, not running", "started")]
    town.tmux.kill_server()
    assert resume_polecats(town, "overseer", server_was_down=True) == [session]
    assert session_alive(town, session)
    assert (worktree / "overnight.txt").read_text() == "uncommitted\n"
    record = town.store.get(bead)
    assert record is not None and not rec.metadata_of(record).get("respawns")
    log = (town.paths.beads / "events.jsonl").read_text().splitlines()
    ends = [e["data"]["reason"] for e in map(json.loads, log) if e["op"] == "session_end"]
    assert ends == ["gt down", "resumed: the tmux server had stopped"]


def test_eight_processes_slinging_one_bead_make_exactly_one_hook(
    engine_town_factory: Callable[..., Town], tmp_path: Path
) -> None:
    """The double-dispatch guard holds inside the write transaction: whoever passed the early
    check, only one sling of the bead commits (auto-dispatch and an operator alike)."""
    town = engine_town_factory()
    bead = new_bead(town, "Only once", "demo")
    start = tmp_path / "go"
    worker = Path(__file__).with_name("sling_worker.py")
    racers = [subprocess.Popen([sys.executable, str(worker), str(town.paths.root), bead,
                                "demo", str(start)], env=town.environ, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
              for _ in range(8)]  # fmt: skip
    for racer in racers:
        assert racer.stdout is not None and racer.stdout.readline().strip() == "ready"
    start.touch()
    outcomes = []
    for racer in racers:
        out, err = racer.communicate(timeout=120)
        assert racer.returncode == 0, err
        outcomes.append(json.loads(out))
    winners = [o["slung"] for o in outcomes if "slung" in o]
    assert len(winners) == 1, outcomes
    assert all("already" in o["refused"] or "changed" in o["refused"]
               for o in outcomes if "refused" in o), outcomes  # fmt: skip
    town.store.projection.catch_up()
    log = [
        json.loads(line) for line in (town.paths.beads / "events.jsonl").read_text().splitlines()
    ]
    assert [e["data"]["agent"] for e in log if e["op"] == "sling"] == [
        f"demo/polecats/{winners[0]}"
    ]
    assert len([e for e in log if e["op"] == "session_start"]) == 1
    polecats = [s for s in town.tmux.sessions() if s.startswith("de-")]
    assert polecats == [polecat_session("de", winners[0])]
