"""`bd rebuild`: replay the whole log into an empty projection, and say what it found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.write_transaction import rebuild_projection


@dataclass(frozen=True)
class RebuildSummary:
    """Events applied, live bead rows, lines that were not events (malformed, or part of a batch
    whose writer died), events of ops this version does not know, and the bytes read."""

    events: int
    beads: int
    malformed_lines: int
    torn_batches: int
    unknown_ops: int
    bytes: int

    def as_json(self) -> dict[str, Any]:
        return {"events": self.events, "beads": self.beads,
                "malformed_lines": self.malformed_lines, "torn_batches": self.torn_batches,
                "unknown_ops": self.unknown_ops, "bytes": self.bytes}  # fmt: skip


def rebuild_store(store: BeadsStore) -> RebuildSummary:
    """Rebuild the projection from the log, holding the writers' lock."""
    position = rebuild_projection(store)
    count = store.connection.execute
    beads = count("SELECT COUNT(*) FROM beads").fetchone()[0]
    torn = count("SELECT COUNT(*) FROM problems WHERE reason LIKE 'torn batch:%'").fetchone()[0]
    malformed = count("SELECT COUNT(*) FROM problems").fetchone()[0] - torn
    return RebuildSummary(position.applied, beads, malformed, torn, position.unknown_ops,
                          position.offset)  # fmt: skip
