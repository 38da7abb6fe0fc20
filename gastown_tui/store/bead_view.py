"""Records as the CLI and export show them: Go field order plus the computed keys.

`dependency_count`, `dependent_count`, `comment_count` and `parent` are computed from the
projection, as bd's own `list --json` and `export` do.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from gastown_tui.core import record as rec
from gastown_tui.core.dependency_rules import is_parent_edge


def parent_of(record: rec.Record) -> str | None:
    for dep in rec.dependencies_of(record):
        dep_type = dep.get("type")
        target = dep.get("depends_on_id")
        if isinstance(dep_type, str) and is_parent_edge(dep_type) and isinstance(target, str):
            return target
    return None


def dependent_counts(connection: sqlite3.Connection, ids: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for bead_id, count in connection.execute(
            "SELECT d.depends_on_id, COUNT(*) FROM deps d JOIN beads b ON b.id = d.issue_id "
            f"WHERE d.depends_on_id IN ({marks}) AND b.tombstone = 0 GROUP BY d.depends_on_id",
            chunk,
        ):
            counts[bead_id] = count
    return counts


def present(records: Sequence[rec.Record], connection: sqlite3.Connection) -> list[dict[str, Any]]:
    """Each record in Go order with the computed keys added."""
    counts = dependent_counts(connection, [str(r.get("id", "")) for r in records])
    shown = []
    for record in records:
        view = dict(rec.in_go_order(record))
        view["dependency_count"] = len(rec.dependencies_of(record))
        view["dependent_count"] = counts.get(str(record.get("id", "")), 0)
        view["comment_count"] = len(rec.comments_of(record))
        parent = parent_of(record)
        if parent:
            view["parent"] = parent
        shown.append(view)
    return shown
