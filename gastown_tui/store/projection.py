"""Keeping `beads.db` equal to the fold of `events.jsonl` (DESIGN §3, the log protocol).

The position is (byte offset, hash of the last applied line). Catching up reads only the
complete lines after the offset, inside one `BEGIN IMMEDIATE` transaction that re-reads the
position, so two processes never apply the same tail twice. The projection must equal the fold
of the *set* of events in (ts, id) order: a tail holding an event that is not newer than
everything applied (a git merge put it there) or a file whose line at the offset changed makes
a full rebuild, which sorts and de-duplicates when it has to. A catch-up reads the log through
one open file (`EventLog.reader`): the offset check and the tail come from the same inode.

Over 300 lines because the position check, the tail, the bulk rebuild and the feed rows share
one transaction and one reader; split, each part would need the others' private state.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gastown_tui.core.events import Event
from gastown_tui.core.fold import apply_event
from gastown_tui.core.record import Record
from gastown_tui.store import json_codec
from gastown_tui.store.bead_rows import BEAD_COLUMNS, append_history, write_beads
from gastown_tui.store.event_log import EventLog, LogReader, line_hash
from gastown_tui.store.file_lock import exclusive_lock
from gastown_tui.store.gc_pause import paused_garbage_collection
from gastown_tui.store.log_fold import (
    FEED_WINDOW,
    EventRow,
    LogFold,
    OutOfOrderError,
    fold_sorted,
)
from gastown_tui.store.rollback import roll_back
from gastown_tui.store.schema import (
    BULK_CACHE_SIZE,
    CACHE_SIZE,
    REBUILD_INDEXES,
    WAL_AUTOCHECKPOINT,
)

Reporter = Callable[[str], None]
ProgressCallback = Callable[[int, int], None]
_EVENT_INSERT = "INSERT INTO events (id, ts, actor, op, bead, offset) VALUES (?,?,?,?,?,?)"
_TRIM_FEED = f"DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - {FEED_WINDOW}"


@dataclass(frozen=True)
class Position:
    """How far the projection has read the log, and the newest (ts, id) it has applied."""

    offset: int = 0
    line_start: int = 0
    line_hash: str = ""
    line_count: int = 0
    watermark_ts: str = ""
    watermark_id: str = ""
    unknown_ops: int = 0
    generation: int = 0
    applied: int = 0  # events applied so far (torn batches and malformed lines excluded)

    @property
    def watermark(self) -> tuple[str, str]:
        return (self.watermark_ts, self.watermark_id)


class RecordCache:
    """Bead records read lazily from the projection, folded in memory, written back on flush."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.records: dict[str, Record] = {}
        # each bead's (dependencies, labels) as stored, to tell whether their rows must change
        self.edges: dict[str, tuple[object, object]] = {}
        self.dirty: set[str] = set()
        self.absent: set[str] = set()  # ids known not to be in the projection
        self.stored: set[str] = set()  # ids known to have a row in the projection
        self.rows: dict[str, tuple[Any, ...]] = {}  # their rows as stored, column by column

    def get(self, bead_id: str) -> Record | None:
        if bead_id not in self.records:
            if bead_id in self.absent:
                return None
            self.preload([bead_id])
        return self.records.get(bead_id)

    def preload(self, bead_ids: Iterable[str]) -> None:
        """Read many records in a few queries (a tail of events touches thousands of beads)."""
        wanted = [i for i in set(bead_ids) if i not in self.records and i not in self.absent]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self.connection.execute(
                f"SELECT {BEAD_COLUMNS} FROM beads WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            for row in rows:
                bead_id = row[0]
                self.rows[bead_id] = row
                record = json_codec.loads(row[1])
                self.records[bead_id] = record
                self.edges[bead_id] = (record.get("dependencies"), record.get("labels"))
                self.stored.add(bead_id)
            self.absent.update(set(chunk) - {row[0] for row in rows})

    def touch(self, bead_id: str) -> None:
        """Load `bead_id` if it exists, and mark it to be written back."""
        self.get(bead_id)
        self.dirty.add(bead_id)

    def apply(self, event: Event) -> bool:
        self.touch(event.get("bead") or "")
        return apply_event(self.records, event)

    def flush(self, generation: int, histories: dict[str, list[int]] | None = None) -> None:
        """Write dirty records: new ones in bulk, known ones as upserts, with their history.

        `histories` (log offsets of events per bead) is given once, when the batch's place in
        the log is known; beads written earlier in the batch get theirs appended then.
        """
        histories = histories or {}
        present = [bead for bead in self.dirty if bead in self.records]
        new = [bead for bead in present if bead not in self.stored]
        known = [bead for bead in present if bead in self.stored]
        if new:
            write_beads(self.connection, ((i, self.records[i]) for i in new), generation,
                        fresh=True, histories=histories, stored_rows=self.rows)  # fmt: skip
        if known:
            write_beads(self.connection, ((i, self.records[i]) for i in known), generation,
                        histories=histories, previous_edges=self.edges,
                        stored_rows=self.rows)  # fmt: skip
        for bead in present:
            record = self.records[bead]
            self.edges[bead] = (record.get("dependencies"), record.get("labels"))
        self.stored.update(new)
        if histories:
            rest = {b: o for b, o in histories.items() if b not in self.dirty and b in self.stored}
            append_history(self.connection, rest)
        self.absent.difference_update(new)
        self.dirty.clear()


class RebuildNeeded(Exception):
    """A reader without the writers' lock found that only a full rebuild brings it up to date."""


class Projection:
    """The projection of one log; every method except `catch_up` expects an open transaction.

    A reader rebuilds only while holding the writers' lock (`lock_path`). A rebuild reads the
    whole file, and a file being replaced (`gt sync` merging under that lock, where git rewrites
    it) is whole again only when the lock is let go; without it, a reader could rebuild from
    half a file, or find no file at all.
    """

    def __init__(
        self,
        connection: sqlite3.Connection,
        log: EventLog,
        lock_path: Path,
        report: Reporter,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.connection = connection
        self.log = log
        self.report = report
        self.progress = progress
        self.lock_path = lock_path
        self.bulk_committing = False  # a bulk write turned the WAL auto-checkpoint off

    def commit(self) -> None:
        """COMMIT the open transaction (every write path ends here)."""
        self.connection.execute("COMMIT")
        if self.bulk_committing:
            self.connection.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")
            self.bulk_committing = False

    def position(self) -> Position:
        row = self.connection.execute(
            "SELECT offset, line_start, line_hash, line_count, watermark_ts, watermark_id, "
            "unknown_ops, generation, applied FROM position"
        ).fetchone()
        return Position(*row)

    def save_position(self, position: Position) -> None:
        self.connection.execute(
            "UPDATE position SET offset=?, line_start=?, line_hash=?, line_count=?, "
            "watermark_ts=?, watermark_id=?, unknown_ops=?, generation=?, applied=?",
            (position.offset, position.line_start, position.line_hash, position.line_count,
             position.watermark_ts, position.watermark_id, position.unknown_ops,
             position.generation, position.applied),
        )  # fmt: skip

    @staticmethod
    def _still_valid(reader: LogReader, position: Position) -> bool:
        """Is the last applied line still where it was (the file was not replaced)?"""
        if position.offset == 0:
            return True
        if reader.size() < position.offset:
            return False
        text = reader.read_range(position.line_start, position.offset)
        return text.endswith(b"\n") and line_hash(text[:-1]) == position.line_hash

    def is_current(self) -> bool:
        position = self.position()
        with self.log.reader() as reader:
            return reader.size() == position.offset and self._still_valid(reader, position)

    def catch_up(self, *, wait: bool = True) -> bool:
        """Bring the projection up to the log's last complete line (a no-op when current).

        A tail is applied without the writers' lock; a rebuild waits for it (the lock is taken
        before the transaction, in the writers' order, so the two never wait for each other).
        With `wait=False` a rebuild that would have to wait for another process's lock (most
        likely its own rebuild) is skipped: returns False, and the projection is as it was.
        """
        if self.is_current():
            return True
        try:
            self._catch_up_once(locked=False)
        except RebuildNeeded:
            with exclusive_lock(self.lock_path, wait=wait) as held:
                if not held:
                    return False
                self._catch_up_once(locked=True)
        return True

    def _catch_up_once(self, *, locked: bool) -> None:
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            with paused_garbage_collection():  # thousands of records read and rewritten
                self.catch_up_in_transaction(locked=locked)
            self.commit()
        except BaseException as error:
            roll_back(self.connection, error)
            raise

    def catch_up_in_transaction(self, *, locked: bool) -> Position:
        """Catch up; `locked` says the caller holds the writers' lock (no write is in flight).

        Without the lock, a catch-up that needs a full rebuild raises `RebuildNeeded`.
        """
        position = self.position()
        with self.log.reader() as reader:
            if reader.size() == position.offset and self._still_valid(reader, position):
                return position
            if position.offset == 0 or not self._still_valid(reader, position):
                return self._rebuild_if_locked(locked, reader)
            try:
                position = self._apply_tail(reader, position, locked=locked)
            except OutOfOrderError:
                return self._rebuild_if_locked(locked, reader)
        self.save_position(position)
        return position

    def _rebuild_if_locked(self, locked: bool, reader: LogReader) -> Position:
        if not locked:
            raise RebuildNeeded
        return self.rebuild_in_transaction(reader)  # the first build is bulk too

    def _apply_tail(self, reader: LogReader, position: Position, *, locked: bool) -> Position:
        cache = RecordCache(self.connection)
        fold = LogFold(cache.records, position.watermark, require_order=True, load=cache.touch)
        fold.end, fold.line_count = position.offset, position.line_count
        next_number = position.line_count + 1
        for base, data in reader.complete_chunks(position.offset):
            cache.preload(_bead_ids(data))
            fold.add_chunk(data, base, next_number)
            next_number += data.count(b"\n")
        fold.finish(locked=locked)
        if fold.end <= position.offset:
            return position
        generation = position.generation + 1
        cache.flush(generation, fold.history)
        self._store_feed(fold.feed_rows())
        self._record_problems(fold.problems)
        start, text = fold.last_line
        return Position(fold.end, start, line_hash(text), fold.line_count, fold.watermark[0],
                        fold.watermark[1], position.unknown_ops + fold.unknown,
                        generation, position.applied + fold.applied)  # fmt: skip

    def record_applied(self, position: Position, events: list[Event], lines: list[bytes],
                       start: int, first_number: int) -> Position:  # fmt: skip
        """After a writer appended `lines` at `start`: store their feed rows and the position."""
        rows: list[EventRow] = []
        offset = start
        for event, text in zip(events, lines, strict=True):
            rows.append((event["id"], event["ts"], event.get("actor"), event["op"],
                         event.get("bead"), offset))  # fmt: skip
            offset += len(text) + 1
        self._store_feed(rows)
        last = events[-1]
        new = replace(position, offset=offset, line_start=offset - len(lines[-1]) - 1,
                      line_hash=line_hash(lines[-1]), line_count=first_number + len(lines) - 1,
                      watermark_ts=last["ts"], watermark_id=last["id"],
                      generation=position.generation + 1,
                      applied=position.applied + len(events))  # fmt: skip
        self.save_position(new)
        return new

    def _store_feed(self, rows: Iterable[EventRow]) -> None:
        self.connection.executemany(_EVENT_INSERT, rows)
        self.connection.execute(_TRIM_FEED)

    def _record_problems(self, problems: list[tuple[int, str]]) -> None:
        for number, reason in problems:
            self.report(f"{self.log.path}:{number}: {reason}")
        self.connection.executemany("INSERT INTO problems VALUES (?, ?)", problems)

    # -- full rebuild -------------------------------------------------------------------------

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """Inside a transaction: write many rows with the secondary indexes dropped (built again
        at the end) and a page cache large enough that nothing spills into the WAL before the
        commit (a smaller one writes many pages twice as the B-trees fill). No GC pass runs
        meanwhile: the many objects built hold no cycles, and each pass would walk them all."""
        self.connection.execute(f"PRAGMA cache_size = {BULK_CACHE_SIZE}")
        # Copying the whole WAL into the database right at COMMIT costs several times what the
        # same checkpoint costs when the connection closes; `commit` turns it back on.
        self.connection.execute("PRAGMA wal_autocheckpoint = 0")
        self.bulk_committing = True
        try:
            with paused_garbage_collection():
                for index in REBUILD_INDEXES:
                    self.connection.execute(f"DROP INDEX IF EXISTS {index}")
                yield
                for statement in REBUILD_INDEXES.values():
                    self.connection.execute(statement)
        except BaseException:  # rolled back, never committed: checkpoint as usual again
            self.connection.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")
            self.bulk_committing = False
            raise
        finally:
            self.connection.execute(f"PRAGMA cache_size = {CACHE_SIZE}")

    def rebuild_in_transaction(self, reader: LogReader | None = None) -> Position:
        """Replay the whole log into empty tables, in bulk; the caller holds the writers' lock.
        `reader`: the open log a catch-up already checked (else the log is opened here)."""
        with self.bulk_writes():
            if reader is not None:
                return self._rebuild(reader)
            with self.log.reader() as own:
                return self._rebuild(own)

    def _rebuild(self, reader: LogReader) -> Position:
        for table in ("beads", "deps", "labels", "events", "problems"):
            self.connection.execute(f"DELETE FROM {table}")
        self.connection.execute("DROP TABLE IF EXISTS search_index")  # rowids change: reindex
        self.connection.execute(
            "UPDATE position SET search_generation = -1, rebuilds = rebuilds + 1"
        )
        try:
            fold = self._fold_in_file_order(reader)
        except OutOfOrderError:
            fold = LogFold({}, ("", ""), require_order=False)
            fold_sorted(fold, self._all_lines(reader))
        generation = self.position().generation + 1
        write_beads(self.connection, fold.beads.items(), generation, fresh=True,
                    histories=fold.history)  # fmt: skip
        self._store_feed(fold.feed_rows())
        self._record_problems(sorted(fold.problems))
        start, text = fold.last_line
        position = Position(fold.end, start, line_hash(text) if fold.end else "",
                            fold.line_count, fold.watermark[0], fold.watermark[1], fold.unknown,
                            generation, fold.applied)  # fmt: skip
        self.save_position(position)
        return position

    def _fold_in_file_order(self, reader: LogReader) -> LogFold:
        fold = LogFold({}, ("", ""), require_order=True)
        total = reader.size()
        next_number = 1
        for base, data in reader.complete_chunks(0):
            fold.add_chunk(data, base, next_number)
            next_number += data.count(b"\n")
            if self.progress:
                self.progress(base + len(data), total)
        fold.finish(locked=True)
        return fold

    @staticmethod
    def _all_lines(reader: LogReader) -> list[tuple[bytes, int, int]]:
        """Every complete line as (text, start, number): the sorted path needs them all."""
        lines: list[tuple[bytes, int, int]] = []
        for base, data in reader.complete_chunks(0):
            start = base
            for text in data.split(b"\n")[:-1]:
                lines.append((text, start, len(lines) + 1))
                start += len(text) + 1
        return lines


_BEAD_FIELD = re.compile(rb'"bead":"([^"\\]*)"')


def _bead_ids(data: bytes) -> set[str]:
    """The beads that the lines of `data` name, found without parsing each line twice (a name
    with an escape in it is left out: the fold loads such a bead when it meets it)."""
    found: set[str] = set()
    for raw in set(_BEAD_FIELD.findall(data)):
        with contextlib.suppress(UnicodeDecodeError):
            found.add(raw.decode())
    return found
