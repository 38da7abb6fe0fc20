"""Keeping `beads.db` equal to the fold of `events.jsonl` (DESIGN §3, the log protocol).

The position is (byte offset, hash of the last applied line). Catching up reads only the
complete lines after the offset, inside one `BEGIN IMMEDIATE` transaction that re-reads the
position, so two processes never apply the same tail twice. The projection must equal the fold
of the *set* of events in (ts, id) order: a tail holding an event that is not newer than
everything applied (a git merge put it there) or a file whose line at the offset changed makes
a full rebuild, which sorts and de-duplicates.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from gastown_tui.core.events import Event, event_problem
from gastown_tui.core.fold import apply_event
from gastown_tui.core.record import Record
from gastown_tui.store import json_codec
from gastown_tui.store.bead_rows import write_beads
from gastown_tui.store.event_log import EventLog, line_hash
from gastown_tui.store.schema import REBUILD_INDEXES

Reporter = Callable[[str], None]
ProgressCallback = Callable[[int, int], None]
EventRow = tuple[str, str, Any, str, Any, int, int]
_EVENT_INSERT = "INSERT INTO events (id, ts, actor, op, bead, line, offset) VALUES (?,?,?,?,?,?,?)"
_CHUNK = 50_000


class OutOfOrderError(Exception):
    """The log holds an event older than one already applied: only a sorted rebuild is right."""


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

    @property
    def watermark(self) -> tuple[str, str]:
        return (self.watermark_ts, self.watermark_id)


def parse_event(text: bytes) -> tuple[Event | None, str | None]:
    """A log line as an event, or the reason it is not one."""
    try:
        value = json_codec.loads(text)
    except ValueError as error:
        return None, f"invalid JSON ({error})"
    problem = event_problem(value)
    return (None, problem) if problem else (value, None)


class RecordCache:
    """Bead records read lazily from the projection, folded in memory, written back on flush."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.records: dict[str, Record] = {}
        self.dirty: set[str] = set()
        self.absent: set[str] = set()  # ids known not to be in the projection (bulk import)

    def get(self, bead_id: str) -> Record | None:
        if bead_id not in self.records:
            if bead_id in self.absent:
                return None
            row = self.connection.execute(
                "SELECT record FROM beads WHERE id = ?", (bead_id,)
            ).fetchone()
            if row is None:
                return None
            self.records[bead_id] = json_codec.loads(row[0])
        return self.records[bead_id]

    def apply(self, event: Event) -> bool:
        bead_id = event.get("bead") or ""
        self.get(bead_id)
        known = apply_event(self.records, event)
        if bead_id in self.records:
            self.dirty.add(bead_id)
        return known

    def flush(self, generation: int) -> None:
        if self.dirty:
            write_beads(self.connection, ((i, self.records[i]) for i in self.dirty), generation)
            self.dirty.clear()


class Projection:
    """The projection of one log; every method except `catch_up` expects an open transaction."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        log: EventLog,
        report: Reporter,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.connection = connection
        self.log = log
        self.report = report
        self.progress = progress

    def position(self) -> Position:
        row = self.connection.execute(
            "SELECT offset, line_start, line_hash, line_count, watermark_ts, watermark_id, "
            "unknown_ops, generation FROM position"
        ).fetchone()
        return Position(*row)

    def save_position(self, position: Position) -> None:
        self.connection.execute(
            "UPDATE position SET offset=?, line_start=?, line_hash=?, line_count=?, "
            "watermark_ts=?, watermark_id=?, unknown_ops=?, generation=?",
            (position.offset, position.line_start, position.line_hash, position.line_count,
             position.watermark_ts, position.watermark_id, position.unknown_ops,
             position.generation),
        )  # fmt: skip

    def _still_valid(self, position: Position) -> bool:
        """Is the last applied line still where it was (the file was not replaced)?"""
        if position.offset == 0:
            return True
        if self.log.size() < position.offset:
            return False
        text = self.log.read_range(position.line_start, position.offset)
        return text.endswith(b"\n") and line_hash(text[:-1]) == position.line_hash

    def is_current(self) -> bool:
        position = self.position()
        return self.log.size() == position.offset and self._still_valid(position)

    def catch_up(self) -> None:
        """Bring the projection up to the log's last complete line (a no-op when current)."""
        if self.is_current():
            return
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            self.catch_up_in_transaction()
            self.connection.execute("COMMIT")
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise

    def catch_up_in_transaction(self) -> Position:
        position = self.position()
        if self.log.size() == position.offset and self._still_valid(position):
            return position
        if position.offset == 0 or not self._still_valid(position):
            return self.rebuild_in_transaction()  # the first build takes the bulk path too
        try:
            position = self._apply_tail(position)
        except OutOfOrderError:
            return self.rebuild_in_transaction()
        self.save_position(position)
        return position

    def _apply_tail(self, position: Position) -> Position:
        cache = RecordCache(self.connection)
        rows: list[EventRow] = []
        problems: list[tuple[int, str]] = []
        last_text = b""
        last_start = position.line_start
        offset = position.offset
        line_count = position.line_count
        watermark = position.watermark
        unknown = position.unknown_ops
        for line in self.log.lines_from(position.offset, position.line_count + 1):
            last_text, last_start, offset, line_count = line.text, line.start, line.end, line.number
            if not line.text.strip():
                continue
            event, problem = parse_event(line.text)
            if event is None:
                problems.append((line.number, str(problem)))
                continue
            stamp = (event["ts"], event["id"])
            if stamp <= watermark:
                raise OutOfOrderError(stamp)
            watermark = stamp
            if not cache.apply(event):
                unknown += 1
            rows.append(_event_row(event, line.number, line.start))
        if offset == position.offset:
            return position
        generation = position.generation + 1
        cache.flush(generation)
        self.connection.executemany(_EVENT_INSERT, rows)
        self._record_problems(problems)
        return Position(offset, last_start, line_hash(last_text), line_count, watermark[0],
                        watermark[1], unknown, generation)  # fmt: skip

    def record_applied(self, position: Position, events: list[Event], lines: list[bytes],
                       start: int, first_number: int) -> Position:  # fmt: skip
        """After a writer appended `lines` at `start`: store their event rows and the position."""
        rows = []
        offset = start
        for number, (event, text) in enumerate(zip(events, lines, strict=True), first_number):
            rows.append(_event_row(event, number, offset))
            offset += len(text) + 1
        self.connection.executemany(_EVENT_INSERT, rows)
        last = events[-1]
        new = replace(position, offset=offset, line_start=offset - len(lines[-1]) - 1,
                      line_hash=line_hash(lines[-1]), line_count=first_number + len(lines) - 1,
                      watermark_ts=last["ts"], watermark_id=last["id"],
                      generation=position.generation + 1)  # fmt: skip
        self.save_position(new)
        return new

    def _record_problems(self, problems: list[tuple[int, str]]) -> None:
        for number, reason in problems:
            self.report(f"{self.log.path}:{number}: {reason}")
        self.connection.executemany("INSERT INTO problems VALUES (?, ?)", problems)

    # -- full rebuild -------------------------------------------------------------------------

    def rebuild_in_transaction(self) -> Position:
        for table in ("beads", "deps", "labels", "events", "problems"):
            self.connection.execute(f"DELETE FROM {table}")
        for index in REBUILD_INDEXES:
            self.connection.execute(f"DROP INDEX IF EXISTS {index}")
        self.connection.execute("DROP TABLE IF EXISTS search_index")  # rowids change: reindex
        self.connection.execute(
            "UPDATE position SET search_generation = -1, rebuilds = rebuilds + 1"
        )
        try:
            beads, position = self._fold_file(self._read_all_in_order())
        except OutOfOrderError:
            self.connection.execute("DELETE FROM events")
            self.connection.execute("DELETE FROM problems")
            beads, position = self._fold_file(self._read_all_sorted())
        write_beads(self.connection, beads.items(), position.generation, fresh=True)
        for statement in REBUILD_INDEXES.values():
            self.connection.execute(statement)
        self.save_position(position)
        return position

    def _raw_lines(self) -> Iterator[tuple[bytes, int, int]]:
        total = self.log.size()
        for line in self.log.lines_from(0, 1):
            if self.progress and line.number % 100_000 == 0:
                self.progress(line.start, total)
            yield line.text, line.start, line.number

    def _read_all_in_order(self) -> Iterator[tuple[Event | None, bytes, int, int, str | None]]:
        watermark = ("", "")
        for text, start, number in self._raw_lines():
            if not text.strip():
                yield None, text, start, number, None
                continue
            event, problem = parse_event(text)
            if event is not None:
                stamp = (event["ts"], event["id"])
                if stamp <= watermark:
                    raise OutOfOrderError(stamp)
                watermark = stamp
            yield event, text, start, number, problem

    def _read_all_sorted(self) -> Iterator[tuple[Event | None, bytes, int, int, str | None]]:
        parsed: list[tuple[Event | None, bytes, int, int, str | None]] = []
        for text, start, number in self._raw_lines():
            event, problem = parse_event(text) if text.strip() else (None, None)
            parsed.append((event, text, start, number, problem))
        problems = [item for item in parsed if item[0] is None]
        events = sorted(
            (item for item in parsed if item[0] is not None),
            key=lambda item: (item[0]["ts"], item[0]["id"]),  # type: ignore[index]
        )
        last_id = None
        for item in events:
            event, text, start, number, _ = item
            if event is not None and event["id"] == last_id:  # a duplicate applies once
                yield None, text, start, number, None
                continue
            last_id = event["id"] if event is not None else None
            yield item
        yield from problems

    def _fold_file(
        self, items: Iterable[tuple[Event | None, bytes, int, int, str | None]]
    ) -> tuple[dict[str, Record], Position]:
        beads: dict[str, Record] = {}
        rows: list[EventRow] = []
        problems: list[tuple[int, str]] = []
        unknown = 0
        watermark = ("", "")
        end = (0, 0, b"", 0)  # offset, line start, text, line count
        for event, text, start, number, problem in items:
            if start + len(text) + 1 > end[0]:
                end = (start + len(text) + 1, start, text, max(number, end[3]))
            if event is None:
                if problem:
                    problems.append((number, problem))
                continue
            if not apply_event(beads, event):
                unknown += 1
            stamp = (event["ts"], event["id"])
            watermark = max(watermark, stamp)
            rows.append(_event_row(event, number, start))
            if len(rows) >= _CHUNK:
                self.connection.executemany(_EVENT_INSERT, rows)
                rows.clear()
        self.connection.executemany(_EVENT_INSERT, rows)
        problems.sort()
        self._record_problems(problems)
        generation = self.position().generation + 1
        position = Position(end[0], end[1], line_hash(end[2]) if end[0] else "", end[3],
                            watermark[0], watermark[1], unknown, generation)  # fmt: skip
        return beads, position


def _event_row(event: Event, number: int, start: int) -> EventRow:
    return (event["id"], event["ts"], event.get("actor"), event["op"], event.get("bead"),
            number, start)  # fmt: skip
