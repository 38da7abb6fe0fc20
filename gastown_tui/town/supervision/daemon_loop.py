"""`gt daemon run`: the town's supervision loop, one per town (flock on `.runtime/daemon.lock`).

Each tick reads tmux once (`list-panes -a`), publishes that snapshot to the patrols (Deacon,
Witness per rig, the Idle Polecat Heresy check, Dogs), each on its own thread, and runs Boot:
a patrol whose own heartbeat is stale is replaced. Never two of one patrol at once: a stale
patrol whose thread still runs (its pass is stuck in a call) is retired, and its successor
starts only once that thread has ended (a retired thread ends when its pass returns), so two
Deacons never respawn the same polecat. The daemon's heartbeat and each patrol's live in
`.runtime/heartbeats/`, outside git.

Between ticks it waits for the log to change (watchfiles, `runtime.log_follower`), at most a
tick: ready work, a closed convoy member or a `gt done` is seen at once, not up to 30 s later.
Ticks stay at least `MIN_GAP` apart, so a busy log (or the daemon's own findings) cannot spin it.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable
from typing import Any

from gastown_tui.runtime.log_follower import LogFollower
from gastown_tui.town.heartbeats import DAEMON_HEARTBEAT, write_heartbeat
from gastown_tui.town.supervision.patrol_tick import PatrolTick
from gastown_tui.town.supervision.patrol_workers import (
    PATROLS,
    PatrolWorker,
    TickBoard,
    record_patrol,
)
from gastown_tui.town.town import Town, TownError

MIN_GAP = 1.0  # seconds between two ticks at least (or the tick itself, when shorter)


def run_daemon(town: Town, ticks: int = 0, on_tick: Callable[[int], None] | None = None) -> int:
    """Run until killed (or for `ticks` ticks); refuses when another daemon holds the lock."""
    town.paths.runtime.mkdir(parents=True, exist_ok=True)
    handle = (town.paths.runtime / "daemon.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        handle.close()
        raise TownError("another daemon is already running for this town "
                        f"(lock {town.paths.runtime / 'daemon.lock'})") from error  # fmt: skip
    board = TickBoard()
    generations = dict.fromkeys(PATROLS, 1)

    def open_town() -> Town:
        return Town(town.paths, clock=town.clock, environ=town.environ)

    def start(name: str) -> PatrolWorker:
        return PatrolWorker(name, generations[name], open_town, board,
                            generations.__getitem__).start()  # fmt: skip

    workers = {name: start(name) for name in PATROLS}
    log = LogFollower(town.paths.beads / "events.jsonl")
    log.start()
    gap = min(MIN_GAP, town.thresholds.tick)
    tick = 0
    try:
        while ticks == 0 or tick < ticks:
            tick += 1
            board.publish(PatrolTick(tick, town.clock.now().timestamp(), town.tmux.panes()))
            restarted = boot(workers, generations, town.thresholds.heartbeat_stale, start)
            if restarted:
                record_patrol(town, "deacon", "boot", tick, restarted)  # retired or restarted
            write_heartbeat(town, DAEMON_HEARTBEAT, tick)
            if on_tick is not None:
                on_tick(tick)
            began = time.monotonic()
            log.wait(town.thresholds.tick)
            time.sleep(max(0.0, gap - (time.monotonic() - began)))
    finally:
        log.close()
        board.stop()
        handle.close()
    return tick


def boot(workers: dict[str, PatrolWorker], generations: dict[str, int], stale_after: float,
         start: Callable[[str], PatrolWorker]) -> list[dict[str, Any]]:  # fmt: skip
    """Retire each patrol whose heartbeat is stale; start a successor once its thread ended."""
    findings: list[dict[str, Any]] = []
    for name, worker in list(workers.items()):
        stale = time.monotonic() - worker.beat
        if stale <= stale_after:
            continue
        retired = generations[name] != worker.generation
        if worker.thread.is_alive():
            if not retired:  # it ends by itself when its pass returns
                generations[name] += 1
                findings.append({"retired": name, "generation": worker.generation,
                                 "stale_seconds": round(stale, 1),
                                 "waiting": "its pass is still running"})  # fmt: skip
            continue
        if not retired:  # the thread died without being retired (a crash)
            generations[name] += 1
        workers[name] = start(name)
        findings.append({"restarted": name, "generation": generations[name],
                         "stale_seconds": round(stale, 1)})  # fmt: skip
    return findings
