"""Full-text search over beads (SQLite FTS5), indexed lazily.

Keeping an FTS index current on every write would slow the hot path agents use most
(`bd create`, `bd update`), so the index is brought up to date when someone searches: every bead
whose projection generation is newer than the index's is re-indexed.
"""

from __future__ import annotations

import re
import sqlite3

from gastown_tui.core import record as rec
from gastown_tui.core.record import Record
from gastown_tui.store import json_codec
from gastown_tui.store.rollback import roll_back

_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 2')"
)


def _body(record: Record) -> str:
    parts = [str(record.get("id", ""))]
    for key in ("description", "design", "acceptance_criteria", "notes", "close_reason"):
        value = record.get(key)
        if isinstance(value, str):
            parts.append(value)
    parts.extend(rec.labels_of(record))
    parts.extend(str(comment.get("text", "")) for comment in rec.comments_of(record))
    return "\n".join(parts)


def refresh(connection: sqlite3.Connection) -> None:
    """Index every bead changed since the last refresh (one write transaction)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute(_CREATE)
        indexed, current = connection.execute(
            "SELECT search_generation, generation FROM position"
        ).fetchone()
        if indexed < 0:
            connection.execute("DELETE FROM search_index")
        if indexed < current:
            rows = connection.execute(
                "SELECT rowid, record, tombstone FROM beads WHERE generation > ?", (indexed,)
            ).fetchall()
            connection.executemany(
                "DELETE FROM search_index WHERE rowid = ?", [(row[0],) for row in rows]
            )
            inserts = []
            for rowid, blob, tombstone in rows:
                if not tombstone:
                    record = json_codec.loads(blob)
                    inserts.append((rowid, str(record.get("title", "")), _body(record)))
            connection.executemany(
                "INSERT INTO search_index (rowid, title, body) VALUES (?, ?, ?)", inserts
            )
            connection.execute("UPDATE position SET search_generation = ?", (current,))
        connection.execute("COMMIT")
    except BaseException as error:
        roll_back(connection, error)
        raise


def fts_query(text: str) -> str | None:
    """The user's words as an FTS5 query (every word must match, as a prefix); None if no words."""
    words = re.findall(r"\w+", text)
    return " ".join(f'"{word}"*' for word in words) if words else None


def search(
    connection: sqlite3.Connection, text: str, *, include_closed: bool, limit: int
) -> list[Record]:
    query = fts_query(text)
    if query is None:
        return []
    refresh(connection)
    closed_clause = "" if include_closed else " AND b.status != 'closed'"
    rows = connection.execute(
        "SELECT b.record FROM search_index s JOIN beads b ON b.rowid = s.rowid "
        f"WHERE search_index MATCH ? AND b.tombstone = 0{closed_clause} "
        "ORDER BY bm25(search_index, 10.0, 1.0), b.id LIMIT ?",
        (query, limit),
    ).fetchall()
    return [json_codec.loads(row[0]) for row in rows]
