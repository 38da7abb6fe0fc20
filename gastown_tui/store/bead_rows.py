"""How one bead record becomes rows of the projection (beads, deps, labels)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from gastown_tui.core import record as rec
from gastown_tui.core.ids import id_prefix
from gastown_tui.core.timestamps import sort_key
from gastown_tui.store.json_codec import dumps

BEAD_COLUMNS = (
    "id, record, title, status, priority, issue_type, assignee, created_key, closed_key, "
    "defer_key, ephemeral, pinned, tombstone, rig, prefix, comment_count, generation"
)
COLUMN_NAMES = tuple(column.strip() for column in BEAD_COLUMNS.split(","))
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
    title = record.get("title")
    assignee = record.get("assignee")
    rig = rec.metadata_of(record).get("rig")
    return (
        bead_id,
        dumps(record),
        title if isinstance(title, str) else "",
        rec.status_of(record),
        rec.priority_of(record),
        rec.type_of(record),
        assignee if isinstance(assignee, str) and assignee else None,
        sort_key(record.get("created_at")),
        sort_key(record.get("closed_at")),
        sort_key(record.get("defer_until")),
        int(rec.is_ephemeral(record)),
        int(rec.is_pinned(record)),
        int(rec.is_tombstone(record)),
        rig if isinstance(rig, str) else None,
        id_prefix(bead_id),
        len(rec.comments_of(record)),
        generation,
    )


def dep_rows(bead_id: str, record: rec.Record) -> list[tuple[str, str, str]]:
    rows = []
    for dep in rec.dependencies_of(record):
        target = dep.get("depends_on_id")
        if isinstance(target, str) and target:
            dep_type = dep.get("type")
            rows.append((bead_id, target, dep_type if isinstance(dep_type, str) else "blocks"))
    return rows


def label_rows(bead_id: str, record: rec.Record) -> list[tuple[str, str]]:
    return [(bead_id, label) for label in rec.labels_of(record)]


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
    stored) lets an update leave alone the rows of beads whose edges and labels did not change;
    `stored_rows` (their rows as read) lets it set only the columns that changed, so indexes
    on unchanged columns are not touched (it is brought up to date with what was written).
    """
    histories = histories or {}
    previous_edges = previous_edges or {}
    stored_rows = {} if stored_rows is None else stored_rows
    inserts: list[tuple[Any, ...]] = []
    updates: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
    deps: list[tuple[str, str, str]] = []
    labels: list[tuple[str, str]] = []
    stale_deps: list[tuple[str]] = []
    stale_labels: list[tuple[str]] = []
    for bead_id, record in records:
        row = bead_row(bead_id, record, generation)
        history = ",".join(map(str, histories.get(bead_id, ())))
        old = stored_rows.get(bead_id)
        if fresh or old is None:
            inserts.append((*row, history))
        else:
            changed = tuple(i for i in range(1, len(row)) if row[i] != old[i])
            updates.setdefault(changed, []).append(
                (*(row[i] for i in changed), history, history, history, bead_id)
            )
        stored_rows[bead_id] = row  # what the projection holds for it now
        before = previous_edges.get(bead_id)
        if fresh or before is None or before[0] != record.get("dependencies"):
            deps.extend(dep_rows(bead_id, record))
            stale_deps.append((bead_id,))
        if fresh or before is None or before[1] != record.get("labels"):
            labels.extend(label_rows(bead_id, record))
            stale_labels.append((bead_id,))
    if not fresh:
        connection.executemany("DELETE FROM deps WHERE issue_id = ?", stale_deps)
        connection.executemany("DELETE FROM labels WHERE issue_id = ?", stale_labels)
    connection.executemany(_INSERT if fresh else _UPSERT, inserts)
    for changed, rows in updates.items():
        assignments = "".join(f"{COLUMN_NAMES[i]} = ?, " for i in changed)
        connection.executemany(
            f"UPDATE beads SET {assignments}{_APPEND_HISTORY} WHERE id = ?", rows
        )
    connection.executemany("INSERT INTO deps VALUES (?,?,?)", deps)
    connection.executemany("INSERT INTO labels VALUES (?,?)", labels)


def append_history(connection: sqlite3.Connection, histories: Mapping[str, list[int]]) -> None:
    connection.executemany(
        "UPDATE beads SET history = CASE history WHEN '' THEN ? ELSE history || ',' || ? END "
        "WHERE id = ?",
        [(text, text, bead) for bead, offsets in histories.items()
         for text in [",".join(map(str, offsets))]],
    )  # fmt: skip
