"""The Deacon acts on one read of tmux per tick; by the time it acts, the world may have moved.
A session that a `gt done` cycle (or a sling) started after that read must not be killed and
counted as a ZOMBIE respawn."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from engine_town import new_bead, start_fixed_session

from gastown_tui.core import record as rec
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.supervision.deacon import deacon_patrol
from gastown_tui.town.supervision.patrol_tick import PatrolTick
from gastown_tui.town.supervision.progress_tracker import ProgressTracker
from gastown_tui.town.town import Town
from gastown_tui.town.work.sling import sling
from gastown_tui.town.work.work_sessions import rig_lock


def test_a_zombie_seen_on_a_stale_tmux_read_is_left_alone_when_its_session_is_up(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    bead = new_bead(town, "Keep working", "demo")
    slung = sling(town, bead, "demo", formula="mol-polecat-work", variables={"sim.mode": "hang"},
                  runtime=None, force=False, actor="overseer")  # fmt: skip
    session = polecat_session(town.rig("demo").prefix, slung.polecat)
    (pane,) = [p for p in town.tmux.panes() or [] if p.session == session]
    # The tick's read of tmux predates the session: it looks dead (a ZOMBIE) to the Deacon.
    stale = PatrolTick(1, town.clock.now().timestamp(), panes=[])
    found = deacon_patrol(town, ProgressTracker(), stale)
    assert [f for f in found if f.get("bead") == bead] == []
    (still,) = [p for p in town.tmux.panes() or [] if p.session == session]
    assert still.pid == pane.pid, "the live session was not replaced"
    record = town.store.get(bead)
    assert record is not None and not rec.metadata_of(record).get("respawns")
    # A session that really is gone is a ZOMBIE and gets a fresh one, counted.
    town.tmux.kill_session(session)
    found = deacon_patrol(town, ProgressTracker(), PatrolTick(2, stale.now, panes=[]))
    (zombie,) = [f for f in found if f.get("bead") == bead]
    assert zombie["state"] == "ZOMBIE" and zombie["respawn"] == 1


def test_a_session_started_while_the_deacon_waits_for_the_rig_lock_is_not_killed(
    engine_town_factory: Callable[..., Town],
) -> None:
    """The race the demo showed: the Deacon sees no session and goes to respawn; a `gt done`
    cycle holding the rig's lock starts the next session meanwhile. Once the Deacon has the
    lock, it must see that session and leave it (it used to kill it and count a respawn)."""
    town = engine_town_factory()
    bead = new_bead(town, "Next on the hook", "demo")
    slung = sling(town, bead, "demo", formula="mol-polecat-work", variables={"sim.mode": "hang"},
                  runtime=None, force=False, actor="overseer")  # fmt: skip
    session = polecat_session(town.rig("demo").prefix, slung.polecat)
    town.tmux.kill_session(session)  # between the cycle's kill and its new session
    locked, cycled = threading.Event(), threading.Event()

    def cycle() -> None:
        with rig_lock(town, "demo"):
            locked.set()
            time.sleep(1.0)  # the Deacon is waiting for the lock by now (or saw no session)
            start_fixed_session(town, session, "the next session")
            cycled.set()

    worker = threading.Thread(target=cycle)
    worker.start()
    locked.wait(10)
    found = deacon_patrol(town, ProgressTracker(), PatrolTick(1, town.clock.now().timestamp(), []))
    worker.join(10)
    assert cycled.is_set()
    assert [f for f in found if f.get("bead") == bead] == []
    assert "the next session" in town.tmux.capture(session)
    record = town.store.get(bead)
    assert record is not None and not rec.metadata_of(record).get("respawns")
