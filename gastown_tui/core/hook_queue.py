"""The hook (DESIGN §4): beads with `status=hooked` and `assignee=<address>`, in order.

A hooked bead its holder then claimed (`bd update --claim` sets `in_progress`, the first thing
an agent used to beads does) is still on the hook: it was slung (`metadata.slung_at`) and is
still assigned to the worker. Molecule steps a polecat claims were never slung, and a bead
handed to the refinery by `gt done` is assigned to the refinery: neither is on a hook.

Order: the bead whose session is running first, then priority, then sling order.
"""

from __future__ import annotations

from collections.abc import Iterable

from gastown_tui.core import record as rec
from gastown_tui.core.addresses import AddressError, parse_address

HOOKED = "hooked"
CLAIMED = "in_progress"
HOOK_STATUSES = (HOOKED, CLAIMED)  # what to select; `on_hook` decides


def on_hook(record: rec.Record) -> bool:
    """The bead is on its assignee's hook: hooked, or hooked and then claimed by a worker."""
    status = rec.status_of(record)
    if status == HOOKED:
        return True
    holder = record.get("assignee")
    if status != CLAIMED or not rec.metadata_of(record).get("slung_at"):
        return False
    try:
        return isinstance(holder, str) and parse_address(holder).is_worker
    except AddressError:
        return False


def hook_order(records: Iterable[rec.Record]) -> list[rec.Record]:
    def key(record: rec.Record) -> tuple[int, int, str, str]:
        metadata = rec.metadata_of(record)
        running = 0 if metadata.get("session") else 1
        return (running, rec.priority_of(record), str(metadata.get("slung_at", "")),
                record["id"])  # fmt: skip

    return sorted((r for r in records if on_hook(r)), key=key)


def attempt_of(record: rec.Record) -> int:
    value = rec.metadata_of(record).get("attempt", 1)
    return value if isinstance(value, int) and value > 0 else 1
