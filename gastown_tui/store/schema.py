"""The SQLite projection's schema (`.beads/beads.db`): disposable, rebuilt from the log.

A change of `SCHEMA_VERSION` drops every table and rebuilds from `events.jsonl`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from gastown_tui.store.rollback import roll_back

SCHEMA_VERSION = 10  # 10: `rework` events change their bead

_TABLES = """
CREATE TABLE beads (
    id TEXT NOT NULL UNIQUE,
    record BLOB NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    priority INTEGER NOT NULL,
    issue_type TEXT NOT NULL,
    assignee TEXT,
    created_key TEXT,
    closed_key TEXT,
    defer_key TEXT,
    ephemeral INTEGER NOT NULL,
    pinned INTEGER NOT NULL,
    tombstone INTEGER NOT NULL,
    rig TEXT,
    prefix TEXT NOT NULL,
    comment_count INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    history TEXT NOT NULL DEFAULT ''  -- log byte offsets of this bead's events, comma-separated
);
CREATE INDEX beads_status ON beads(status, priority, created_key, id);
CREATE INDEX beads_assignee ON beads(assignee, status);
CREATE INDEX beads_type ON beads(issue_type);
CREATE TABLE deps (
    issue_id TEXT NOT NULL,
    depends_on_id TEXT NOT NULL,
    type TEXT NOT NULL
);
CREATE INDEX deps_issue ON deps(issue_id);
CREATE INDEX deps_target ON deps(depends_on_id);
CREATE TABLE labels (
    issue_id TEXT NOT NULL,
    label TEXT NOT NULL
);
CREATE INDEX labels_issue ON labels(issue_id);
CREATE INDEX labels_label ON labels(label);
-- The feed window: the newest events (older ones are read from the log itself).
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    ts TEXT NOT NULL,
    actor TEXT,
    op TEXT NOT NULL,
    bead TEXT,
    offset INTEGER NOT NULL
);
CREATE TABLE problems (
    line INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE position (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    offset INTEGER NOT NULL,
    line_start INTEGER NOT NULL,
    line_hash TEXT NOT NULL,
    line_count INTEGER NOT NULL,
    watermark_ts TEXT NOT NULL,
    watermark_id TEXT NOT NULL,
    unknown_ops INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    search_generation INTEGER NOT NULL,
    rebuilds INTEGER NOT NULL,
    applied INTEGER NOT NULL
);
INSERT INTO position VALUES (1, 0, 0, '', 0, '', '', 0, 0, -1, 0, 0);
"""

# SQLite's page cache, in KiB (negative means KiB). A full rebuild raises it to BULK_CACHE_SIZE
# while it writes: a smaller cache spills dirty pages into the WAL mid-transaction, then writes
# many of them again as the B-trees fill.
CACHE_SIZE = -131072
BULK_CACHE_SIZE = -2097152
WAL_AUTOCHECKPOINT = 16384  # pages

_ALL_TABLES = ("beads", "deps", "labels", "events", "problems", "position", "search_index")

# Index builds are deferred during a full rebuild and re-created after the bulk insert.
REBUILD_INDEXES = {
    "beads_status": "CREATE INDEX beads_status ON beads(status, priority, created_key, id)",
    "beads_assignee": "CREATE INDEX beads_assignee ON beads(assignee, status)",
    "beads_type": "CREATE INDEX beads_type ON beads(issue_type)",
    "deps_issue": "CREATE INDEX deps_issue ON deps(issue_id)",
    "deps_target": "CREATE INDEX deps_target ON deps(depends_on_id)",
    "labels_issue": "CREATE INDEX labels_issue ON labels(issue_id)",
    "labels_label": "CREATE INDEX labels_label ON labels(label)",
}


def connect(path: Path) -> sqlite3.Connection:
    """Open the projection (autocommit mode: transactions are explicit), creating it if needed.

    The projection is a cache of the log, so it trades durability for speed: no fsync
    (`synchronous = OFF`; a killed process loses nothing, since the OS holds its writes). If a
    power cut ever leaves the file corrupt, it is deleted and rebuilt from the log.
    """
    try:
        return _open(path)
    except sqlite3.DatabaseError as error:
        if isinstance(error, sqlite3.OperationalError):
            raise  # locked, busy, unreadable directory: not corruption
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return _open(path)


def _open(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, timeout=120.0)
    connection.execute("PRAGMA busy_timeout = 120000")
    if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute(f"PRAGMA cache_size = {CACHE_SIZE}")
    # Checkpoint the WAL every 64 MB rather than every 4 MB: a catch-up that rewrites thousands
    # of beads then pays one write of its pages, not a second copy into the database as well.
    connection.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")
    if connection.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
        _create(connection)
    connection.execute("SELECT offset FROM position").fetchone()
    return connection


def _create(connection: sqlite3.Connection) -> None:
    connection.execute("BEGIN IMMEDIATE")
    try:
        if connection.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            for table in _ALL_TABLES:
                connection.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in _TABLES.split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException as error:
        roll_back(connection, error)
        raise
