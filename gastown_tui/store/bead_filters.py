"""Filters of `bd list`, `ready` and `blocked` beyond what one SQL clause says: descendants of a
parent, labels, the values a store holds, and the real CLI's sort policies for `ready`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from gastown_tui.core import record as rec
from gastown_tui.core.dependency_rules import PARENT_TYPES
from gastown_tui.core.timestamps import format_ts, parse_ts

SORT_POLICIES = ("hybrid", "priority", "oldest")
_RECENT = timedelta(hours=48)  # bd's hybrid policy: recent work by priority, older by age


def descendants(connection: sqlite3.Connection, parent: str) -> set[str]:
    """Every bead below `parent` through parent-child edges (any depth), plus those whose id is
    a dotted child of it (`<parent>.<n>`, how bd names children without an edge)."""
    marks = ",".join("?" * len(PARENT_TYPES))
    rows = connection.execute(
        f"""WITH RECURSIVE below(id) AS (
              SELECT issue_id FROM deps WHERE depends_on_id = ? AND type IN ({marks})
              UNION
              SELECT d.issue_id FROM deps d JOIN below b ON d.depends_on_id = b.id
              WHERE d.type IN ({marks})
            ) SELECT id FROM below""",
        (parent, *PARENT_TYPES, *PARENT_TYPES),
    ).fetchall()
    found = {row[0] for row in rows}
    dotted = connection.execute(
        "SELECT id FROM beads WHERE substr(id, 1, ?) = ?", (len(parent) + 1, parent + ".")
    ).fetchall()
    found.update(row[0] for row in dotted)
    found.discard(parent)
    return found


def stored_values(connection: sqlite3.Connection, column: str) -> list[str]:
    """The distinct values of `status` or `issue_type` among live beads."""
    if column not in ("status", "issue_type"):
        raise ValueError(column)
    rows = connection.execute(f"SELECT DISTINCT {column} FROM beads WHERE tombstone = 0")
    return [row[0] for row in rows]


@dataclass(frozen=True)
class RecordFilter:
    """The record-level filters `ready` and `list` share; an empty one keeps everything."""

    types: Sequence[str] = ()
    priorities: Sequence[int] = ()
    assignee: str | None = None
    unassigned: bool = False
    labels: Sequence[str] = ()  # all of them
    labels_any: Sequence[str] = ()  # at least one
    exclude_labels: Sequence[str] = ()
    title: str | None = None  # case-insensitive substring
    within: frozenset[str] | None = None  # only these ids (descendants of a parent)

    def keeps(self, record: rec.Record) -> bool:
        labels = set(rec.labels_of(record))
        assignee = record.get("assignee") or None
        checks: list[Callable[[], bool]] = [
            lambda: not self.types or rec.type_of(record) in self.types,
            lambda: not self.priorities or rec.priority_of(record) in self.priorities,
            lambda: self.assignee is None or assignee == self.assignee,
            lambda: not self.unassigned or assignee is None,
            lambda: set(self.labels) <= labels,
            lambda: not self.labels_any or bool(labels & set(self.labels_any)),
            lambda: not labels & set(self.exclude_labels),
            lambda: (
                self.title is None
                or self.title.casefold() in str(record.get("title", "")).casefold()
            ),
            lambda: self.within is None or record.get("id") in self.within,
        ]
        return all(check() for check in checks)


def sort_ready(records: list[rec.Record], policy: str, now: str) -> list[rec.Record]:
    """`priority`: priority, then age (the store's own order); `oldest`: age only; `hybrid`
    (bd's default): work created in the last 48 hours by priority, then older work by age."""

    def created(record: rec.Record) -> str:
        return str(record.get("created_at", ""))

    if policy == "oldest":
        return sorted(records, key=lambda r: (created(r), str(r.get("id"))))
    if policy == "hybrid":
        moment = parse_ts(now)
        cutoff = format_ts(moment - _RECENT) if moment else now
        recent = [r for r in records if created(r) >= cutoff]
        older = sorted((r for r in records if created(r) < cutoff),
                       key=lambda r: (created(r), str(r.get("id"))))  # fmt: skip
        return recent + older
    return records
