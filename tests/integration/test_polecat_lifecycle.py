"""A polecat's lifecycle as the operator sees it: hooked work it claimed is still its hook, a
respawn keeps its worktree, `gt down`/`gt up` resume without counting respawns (DESIGN §4, §6)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

from engine_town import new_bead

from gastown_tui.core import record as rec
from gastown_tui.town.read_model.town_status import town_status
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.supervision.deacon import deacon_patrol
from gastown_tui.town.supervision.patrol_tick import PatrolTick
from gastown_tui.town.supervision.progress_tracker import ProgressTracker
from gastown_tui.town.town import Town
from gastown_tui.town.work.sling import SlingResult, sling


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
