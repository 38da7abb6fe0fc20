"""A bead's own events, read from the log at the byte offsets its projection row keeps.

The projection keeps only a window of recent events; per-bead history (prime's "earlier
attempts", seance, CVs) reads the lines straight from `events.jsonl`.
"""

from __future__ import annotations

from gastown_tui.core.events import Event
from gastown_tui.store import json_codec
from gastown_tui.store.beads_store import BeadsStore


def bead_events(store: BeadsStore, bead_id: str) -> list[Event]:
    row = store.connection.execute("SELECT history FROM beads WHERE id = ?", (bead_id,)).fetchone()
    if row is None or not row[0]:
        return []
    offsets = sorted({int(part) for part in row[0].split(",") if part})
    found: list[Event] = []
    with store.paths.events.open("rb") as log:
        for offset in offsets:
            log.seek(offset)
            line = log.readline()
            try:
                event = json_codec.loads(line)
            except ValueError:
                continue  # the log was replaced under us (a sync); the next read is fresh
            if isinstance(event, dict) and event.get("bead") == bead_id:
                found.append(event)
    return found
