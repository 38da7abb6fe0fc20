"""Heartbeats (DESIGN §4): proof of life of the daemon, its patrols and each refinery.

They live in `.runtime/heartbeats/<name>.json` (time, tick, pid), outside git and outside the
Beads log: writing one every tick must never grow the tracked history. Boot reads a patrol's
beat to restart it; the control room reads them to tell a live daemon from a dead one.
"""

from __future__ import annotations

import json
import os

from gastown_tui.town.town import Town

DAEMON_HEARTBEAT = "hq-daemon"


def write_heartbeat(town: Town, name: str, tick: int) -> None:
    folder = town.paths.heartbeats
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{name}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps({"ts": town.clock.now().isoformat(), "tick": tick,
                                     "pid": os.getpid()}))  # fmt: skip
    temporary.replace(folder / f"{name}.json")
