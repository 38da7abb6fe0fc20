"""Upkeep edits of a whole store: `bd cleanup` (old closed beads) and `bd repair-deps` (edges
whose target is gone). Both find first and change only when asked, in one batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.timestamps import format_ts
from gastown_tui.store import json_codec
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.issues_export import export_if_automatic
from gastown_tui.store.write_transaction import write_transaction


@dataclass(frozen=True)
class CleanupResult:
    """Closed beads older than the cutoff: found, and deleted (tombstoned) unless a dry run."""

    cutoff: str
    candidates: tuple[str, ...]
    deleted: int

    def as_json(self) -> dict[str, object]:
        return {
            "cutoff": self.cutoff,
            "candidates": list(self.candidates),
            "count": len(self.candidates),
            "deleted_count": self.deleted,
        }


def cleanup_closed(
    store: BeadsStore, actor: str, *, older_than_days: int, dry_run: bool
) -> CleanupResult:
    """Delete beads closed more than `older_than_days` ago (0: every closed bead). Wisps,
    pinned and template beads are kept; deletion keeps a hidden tombstone, as `bd delete`."""
    cutoff = format_ts(store.clock.now() - timedelta(days=older_than_days))
    rows = store.connection.execute(
        "SELECT id, record FROM beads WHERE status = 'closed' AND tombstone = 0 AND pinned = 0 "
        "AND (closed_key IS NULL OR closed_key <= ?) ORDER BY id",
        (cutoff,),
    ).fetchall()
    found = tuple(
        bead_id for bead_id, blob in rows if not json_codec.loads(blob).get("is_template")
    )
    if dry_run or not found:
        return CleanupResult(cutoff, found, 0)
    deleted = 0
    with write_transaction(store, actor) as tx:
        for bead_id in found:
            record = tx.get(bead_id)
            if record is None or rec.status_of(record) != rec.CLOSED:
                continue  # reopened or deleted since we looked
            ts = tx.stamp()
            tx.emit(
                ev.DELETE,
                bead_id,
                {
                    "set": {
                        "status": rec.TOMBSTONE,
                        "deleted_at": ts,
                        "deleted_by": actor,
                        "original_type": rec.type_of(record),
                        "delete_reason": f"bd cleanup: closed more than {older_than_days} days ago",
                    }
                },
                ts,
            )
            deleted += 1
    export_if_automatic(store)
    return CleanupResult(cutoff, found, deleted)


@dataclass(frozen=True)
class OrphanEdge:
    """A dependency whose target no live bead has."""

    issue_id: str
    depends_on_id: str
    type: str


@dataclass(frozen=True)
class RepairResult:
    orphans: tuple[OrphanEdge, ...]
    fixed: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "orphans_found": len(self.orphans),
            "orphans": [
                {"issue_id": o.issue_id, "depends_on_id": o.depends_on_id, "type": o.type}
                for o in self.orphans
            ],
            "fixed": self.fixed,
        }


def orphan_edges(store: BeadsStore) -> tuple[OrphanEdge, ...]:
    """Edges of live beads to ids that are missing or deleted. Ids routed to another store
    (`external:` refs) are not orphans."""
    rows = store.connection.execute(
        "SELECT d.issue_id, d.depends_on_id, d.type FROM deps d "
        "JOIN beads b ON b.id = d.issue_id AND b.tombstone = 0 "
        "LEFT JOIN beads t ON t.id = d.depends_on_id "
        "WHERE (t.id IS NULL OR t.tombstone = 1) AND d.depends_on_id NOT LIKE 'external:%' "
        "ORDER BY d.issue_id, d.depends_on_id"
    ).fetchall()
    return tuple(OrphanEdge(*row) for row in rows)


def repair_dependencies(store: BeadsStore, actor: str, *, fix: bool) -> RepairResult:
    """Find orphaned edges; with `fix`, remove them in one batch."""
    orphans = orphan_edges(store)
    if not fix or not orphans:
        return RepairResult(orphans)
    pairs = sorted({(edge.issue_id, edge.depends_on_id) for edge in orphans})
    with write_transaction(store, actor) as tx:
        for issue_id, target in pairs:  # one removal drops every edge of the pair
            tx.emit(ev.DEP_REMOVE, issue_id, {"depends_on_id": target})
    export_if_automatic(store)
    return RepairResult(orphans, fixed=len(orphans))
