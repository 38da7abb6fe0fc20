"""The hook (DESIGN §4): beads with `status=hooked` and `assignee=<address>`, in order.

Order: the bead whose session is running first, then priority, then sling order.
"""

from __future__ import annotations

from collections.abc import Iterable

from gastown_tui.core import record as rec

HOOKED = "hooked"


def hook_order(records: Iterable[rec.Record]) -> list[rec.Record]:
    def key(record: rec.Record) -> tuple[int, int, str, str]:
        metadata = rec.metadata_of(record)
        running = 0 if metadata.get("session") else 1
        return (running, rec.priority_of(record), str(metadata.get("slung_at", "")),
                record["id"])  # fmt: skip

    return sorted(records, key=key)


def attempt_of(record: rec.Record) -> int:
    value = rec.metadata_of(record).get("attempt", 1)
    return value if isinstance(value, int) and value > 0 else 1
