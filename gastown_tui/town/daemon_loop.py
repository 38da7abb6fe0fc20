"""`gt daemon run`: the town's supervision loop, one per town (flock on `.runtime/daemon.lock`).

Each tick writes the daemon's heartbeat. The patrols (Deacon, Witness, Dogs, Boot) run in
these ticks once they exist; until then the loop only proves it is alive.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable

from gastown_tui.town.town import Town, TownError


def write_heartbeat(town: Town, name: str, tick: int) -> None:
    folder = town.paths.heartbeats
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{name}.json.tmp"
    temporary.write_text(json.dumps({"ts": town.clock.now().isoformat(), "tick": tick,
                                     "pid": os.getpid()}))  # fmt: skip
    temporary.replace(folder / f"{name}.json")


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
    tick = 0
    try:
        while ticks == 0 or tick < ticks:
            tick += 1
            write_heartbeat(town, "hq-daemon", tick)
            if on_tick is not None:
                on_tick(tick)
            time.sleep(town.thresholds.tick)
    finally:
        handle.close()
    return tick
