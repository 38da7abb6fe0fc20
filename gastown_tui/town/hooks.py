"""Reading hooks: the beads on an agent's hook, in queue order (DESIGN §4)."""

from __future__ import annotations

import sqlite3

from gastown_tui.core import record as rec
from gastown_tui.core.hook_queue import HOOK_STATUSES, hook_order
from gastown_tui.store.bead_queries import ListFilter, list_beads


def hook_queue(connection: sqlite3.Connection, address: str) -> list[rec.Record]:
    """The beads on the hook of `address`, in queue order (`core.hook_queue.on_hook`)."""
    found = list_beads(connection, ListFilter(statuses=HOOK_STATUSES, assignee=address))
    return hook_order(found)


def running_bead(queue: list[rec.Record]) -> rec.Record | None:
    """The hooked bead a session was started for, if any."""
    return next((r for r in queue if rec.metadata_of(r).get("session")), None)
