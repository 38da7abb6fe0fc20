"""How one bead record becomes rows of the projection (beads, deps, labels)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from gastown_tui.core import record as rec
from gastown_tui.core.ids import id_prefix
from gastown_tui.core.timestamps import sort_key
from gastown_tui.store.json_codec import dumps

BEAD_COLUMNS = (
    "id, record, title, status, priority, issue_type, assignee, created_key, closed_key, "
    "defer_key, ephemeral, pinned, tombstone, rig, prefix, comment_count, generation"
)
COLUMN_NAMES = tuple(column.strip() for column in BEAD_COLUMNS.split(","))
_GENERATION = COLUMN_NAMES.index("generation")
# What most updates change: the record and the generation (no indexed column, so no index entry)
_RECORD_ONLY = (COLUMN_NAMES.index("record"), _GENERATION)
_APPEND_HISTORY = (
    "history = CASE WHEN ? = '' THEN history WHEN history = '' THEN ? ELSE history || ',' || ? END"
)
_INSERT = f"INSERT INTO beads ({BEAD_COLUMNS}, history) VALUES ({','.join('?' * 18)})"
# An update keeps the bead's history and appends the offsets of its new events.
_UPSERT = (
    f"{_INSERT} ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(
        f"{column.strip()} = excluded.{column.strip()}" for column in BEAD_COLUMNS.split(",")[1:]
    )
    + ", history = CASE WHEN excluded.history = '' THEN beads.history "
    "WHEN beads.history = '' THEN excluded.history "
    "ELSE beads.history || ',' || excluded.history END"
)


def bead_row(bead_id: str, record: rec.Record, generation: int) -> tuple[Any, ...]:
    """The bead's columns. Runs once per bead on a rebuild, so the record's accessors
    (`rec.status_of` and friends, whose rules these are) are inlined: values decoded from JSON
    are never subclasses, so `type(x) is int` is `isinstance` without `bool`."""
    get = record.get
    title, status, priority = get("title"), get("status"), get("priority")
    issue_type, assignee, metadata = get("issue_type"), get("assignee"), get("metadata")
    comments = get("comments")
    rig = metadata.get("rig") if type(metadata) is dict else None
    return (
        bead_id,
        dumps(record),
        title if type(title) is str else "",
        status if type(status) is str and status else rec.DEFAULT_STATUS,
        priority if type(priority) is int else 0,
        issue_type if type(issue_type) is str and issue_type else rec.DEFAULT_TYPE,
        assignee if type(assignee) is str and assignee else None,
        sort_key(get("created_at")),
        sort_key(closed_at) if (closed_at := get("closed_at")) else None,
        sort_key(defer_until) if (defer_until := get("defer_until")) else None,
        int(get("ephemeral") is True or get("wisp") is True),
        int(get("pinned") is True or status == "pinned"),
        int(status == rec.TOMBSTONE),
        rig if type(rig) is str else None,
        id_prefix(bead_id),
        sum(type(comment) is dict for comment in comments) if type(comments) is list else 0,
        generation,
    )


def dep_rows(bead_id: str, dependencies: object) -> list[tuple[str, str, str]]:
    """Rows of the deps table for a record's `dependencies` value."""
    rows = []
    for dep in rec.dependency_list(dependencies):
        target = dep.get("depends_on_id")
        if isinstance(target, str) and target:
            dep_type = dep.get("type")
            rows.append((bead_id, target, dep_type if isinstance(dep_type, str) else "blocks"))
    return rows


def label_rows(bead_id: str, labels: object) -> list[tuple[str, str]]:
    """Rows of the labels table for a record's `labels` value."""
    return [(bead_id, label) for label in rec.label_list(labels)]


class EdgeWrites:
    """The deps and labels rows a write adds and removes.

    A bead whose edges changed gets only the difference written (a label added is one row,
    not all of them again), which keeps the catch-up of a busy tail off most index pages.
    """

    def __init__(self) -> None:
        self.insert_deps: list[tuple[str, str, str]] = []
        self.insert_labels: list[tuple[str, str]] = []
        self.delete_deps: list[tuple[str, str, str]] = []
        self.delete_labels: list[tuple[str, str]] = []
        self.clear: list[tuple[str]] = []  # beads whose rows are all replaced

    def add(self, bead_id: str, record: rec.Record) -> None:
        self.insert_deps.extend(dep_rows(bead_id, record.get("dependencies")))
        self.insert_labels.extend(label_rows(bead_id, record.get("labels")))

    def replace(self, bead_id: str, record: rec.Record, before: tuple[object, object]) -> None:
        """Bring the bead's rows from `before` (its stored dependencies, labels) to `record`."""
        old_deps, old_labels = before
        new_deps, new_labels = record.get("dependencies"), record.get("labels")
        no_change: tuple[list[Any], list[Any]] = ([], [])
        dep_change = (
            no_change if old_deps == new_deps
            else _difference(dep_rows(bead_id, old_deps), dep_rows(bead_id, new_deps))
        )  # fmt: skip
        label_change = (
            no_change if old_labels == new_labels
            else _difference(label_rows(bead_id, old_labels), label_rows(bead_id, new_labels))
        )  # fmt: skip
        if dep_change is None or label_change is None:  # a repeated row: rewrite them all
            self.clear.append((bead_id,))
            self.add(bead_id, record)
            return
        self.delete_deps.extend(dep_change[0])
        self.insert_deps.extend(dep_change[1])
        self.delete_labels.extend(label_change[0])
        self.insert_labels.extend(label_change[1])

    def write(self, connection: sqlite3.Connection) -> None:
        connection.executemany("DELETE FROM deps WHERE issue_id = ?", self.clear)
        connection.executemany("DELETE FROM labels WHERE issue_id = ?", self.clear)
        # `+column` keeps SQLite on the issue_id index: the label index would scan every bead
        # that carries the label.
        connection.executemany(
            "DELETE FROM deps WHERE issue_id = ? AND +depends_on_id = ? AND +type = ?",
            self.delete_deps,
        )
        connection.executemany("DELETE FROM labels WHERE issue_id = ? AND +label = ?",
                               self.delete_labels)  # fmt: skip
        connection.executemany("INSERT INTO deps VALUES (?,?,?)", self.insert_deps)
        connection.executemany("INSERT INTO labels VALUES (?,?)", self.insert_labels)


RowT = TypeVar("RowT", tuple[str, str], tuple[str, str, str])


def _difference(old: list[RowT], new: list[RowT]) -> tuple[list[RowT], list[RowT]] | None:
    """(removed, added), or None when a row repeats on either side (a multiset is not a set)."""
    if old == new:
        return [], []
    old_set, new_set = set(old), set(new)
    if len(old_set) != len(old) or len(new_set) != len(new):
        return None
    return [row for row in old if row not in new_set], [row for row in new if row not in old_set]


def write_beads(
    connection: sqlite3.Connection,
    records: Iterable[tuple[str, rec.Record]],
    generation: int,
    *,
    fresh: bool = False,
    histories: Mapping[str, list[int]] | None = None,
    previous_edges: Mapping[str, tuple[object, object]] | None = None,
    stored_rows: dict[str, tuple[Any, ...]] | None = None,
) -> None:
    """Write (or, with `fresh`, bulk insert into empty tables) beads and their derived rows.

    `histories` holds the log offsets of newly applied events per bead: a fresh insert stores
    them, an update appends them. `previous_edges` (each bead's dependencies and labels as
    stored) lets an update write only the deps and labels rows that changed; `stored_rows`
    (their rows as read) lets it set only the columns that changed, so indexes on unchanged
    columns are not touched (it is brought up to date with what was written).
    """
    histories = histories or {}
    previous_edges = previous_edges or {}
    stored_rows = {} if stored_rows is None else stored_rows
    inserts: list[tuple[Any, ...]] = []
    updates: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
    edges = EdgeWrites()
    for bead_id, record in records:
        row = bead_row(bead_id, record, generation)
        offsets = histories.get(bead_id)
        history = ",".join(map(str, offsets)) if offsets else ""
        old = None if fresh else stored_rows.get(bead_id)
        if old is None:
            inserts.append((*row, history))
        else:
            changed = (
                _RECORD_ONLY if row[2:_GENERATION] == old[2:_GENERATION]
                else tuple(i for i in range(1, len(row)) if row[i] != old[i])
            )  # fmt: skip
            updates.setdefault(changed, []).append(
                (*(row[i] for i in changed), history, history, history, bead_id)
            )
        stored_rows[bead_id] = row  # what the projection holds for it now
        before = None if fresh else previous_edges.get(bead_id)
        if before is not None:
            edges.replace(bead_id, record, before)
        else:
            if not fresh:
                edges.clear.append((bead_id,))
            edges.add(bead_id, record)
    connection.executemany(_INSERT if fresh else _UPSERT, inserts)
    for changed, rows in updates.items():
        assignments = "".join(f"{COLUMN_NAMES[i]} = ?, " for i in changed)
        connection.executemany(
            f"UPDATE beads SET {assignments}{_APPEND_HISTORY} WHERE id = ?", rows
        )
    edges.write(connection)


def append_history(connection: sqlite3.Connection, histories: Mapping[str, list[int]]) -> None:
    connection.executemany(
        "UPDATE beads SET history = CASE history WHEN '' THEN ? ELSE history || ',' || ? END "
        "WHERE id = ?",
        [(text, text, bead) for bead, offsets in histories.items()
         for text in [",".join(map(str, offsets))]],
    )  # fmt: skip
