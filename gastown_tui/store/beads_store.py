"""The beads store: one `.beads/` directory, its log, its projection, and the write protocol.

Opening a store catches its projection up (every reader does, DESIGN §3). Writes go through
`BeadsStore.transaction()`: take the writers' flock, catch up inside `BEGIN IMMEDIATE`, mend a
torn tail, let the caller validate and emit events against that fresh state, then append the
whole batch with one `write()`, record the new position and commit.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gastown_tui.core.clock import Clock, SystemClock
from gastown_tui.core.events import Event, make_event
from gastown_tui.core.ids import new_bead_id, new_ulid
from gastown_tui.core.record import Record
from gastown_tui.core.timestamps import from_micros, to_micros
from gastown_tui.store import json_codec
from gastown_tui.store.event_log import EventLog
from gastown_tui.store.file_lock import exclusive_lock
from gastown_tui.store.projection import (
    Position,
    ProgressCallback,
    Projection,
    RecordCache,
    Reporter,
)
from gastown_tui.store.schema import connect
from gastown_tui.store.store_config import StoreConfig, read_config
from gastown_tui.store.store_paths import StorePaths, find_store


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


class ReadOnlyStoreError(PermissionError):
    """A write asked of a store opened read-only (`bd --readonly`)."""


class BeadsStore:
    """An open beads store, caught up with its log."""

    def __init__(
        self,
        paths: StorePaths,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        report: Reporter = _stderr,
        progress: ProgressCallback | None = None,
        catch_up: bool = True,
        readonly: bool = False,
    ) -> None:
        self.paths = paths
        self.readonly = readonly
        self.config: StoreConfig = read_config(paths.config)
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self.log = EventLog(paths.events)
        self.connection: sqlite3.Connection = connect(paths.database)
        self.projection = Projection(self.connection, self.log, paths.lock, report, progress)
        if catch_up:  # a reader that must report an unreadable log opens without it
            self.projection.catch_up()

    @classmethod
    def open(cls, start: Path | None = None, **options: Any) -> BeadsStore:
        return cls(find_store(start), **options)

    @classmethod
    def initialize(cls, beads_dir: Path, prefix: str, **options: Any) -> BeadsStore:
        """Create `beads_dir` with a config and an empty log (keeping any that exist)."""
        paths = StorePaths(beads_dir)
        beads_dir.mkdir(parents=True, exist_ok=True)
        if not paths.config.exists():
            paths.config.write_text(StoreConfig(prefix=prefix).to_toml(), encoding="utf-8")
        paths.events.touch(exist_ok=True)
        ignore = beads_dir / ".gitignore"
        if not ignore.exists():
            ignore.write_text("beads.db\nbeads.db-*\nevents.lock\n", encoding="utf-8")
        return cls(paths, **options)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> BeadsStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, actor: str) -> Iterator[WriteTransaction]:
        """Exclusive write access: everything emitted inside is appended as one batch."""
        if self.readonly:
            raise ReadOnlyStoreError("refused: the store is open read-only (--readonly)")
        with exclusive_lock(self.paths.lock):
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                transaction = WriteTransaction(self, actor, self._mend_and_catch_up())
                yield transaction
                transaction.commit()
                self.projection.commit()
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise

    def _mend_and_catch_up(self) -> Position:
        """Inside the writers' lock and an open transaction: catch up, and end a dead writer's
        unterminated fragment with a newline so it becomes its own (reported) line."""
        position = self.projection.catch_up_in_transaction(locked=True)
        if self.log.unterminated_tail(position.offset):
            self.log.append(b"\n")
            position = self.projection.catch_up_in_transaction(locked=True)
        return position

    def catch_up_locked(self) -> Position:
        """What `transaction` does before handing over, for a caller that already holds the
        writers' flock (taking it again on another descriptor would wait for itself)."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            position = self._mend_and_catch_up()
            self.projection.commit()
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        return position

    def rebuild(self) -> Position:
        with exclusive_lock(self.paths.lock):
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                position = self.projection.rebuild_in_transaction()
                self.projection.commit()
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
        return position

    def get(self, bead_id: str) -> Record | None:
        row = self.connection.execute(
            "SELECT record FROM beads WHERE id = ?", (bead_id,)
        ).fetchone()
        return json_codec.loads(row[0]) if row else None

    def exists(self, bead_id: str) -> bool:
        return (
            self.connection.execute("SELECT 1 FROM beads WHERE id = ?", (bead_id,)).fetchone()
            is not None
        )


class WriteTransaction:
    """One atomic batch of events, validated against the projection as it is inside the lock."""

    def __init__(self, store: BeadsStore, actor: str, position: Position) -> None:
        self.store = store
        self.actor = actor
        self.position = position
        self.cache = RecordCache(store.connection)
        self.events: list[Event] = []
        self._last_micros = to_micros(position.watermark_ts) if position.watermark_ts else 0
        self._second = (-1, "")  # the formatted second of the last stamp, reused within it

    @property
    def connection(self) -> sqlite3.Connection:
        return self.store.connection

    def stamp(self) -> str:
        """The timestamp for the next event: now, but strictly after everything in the log."""
        now = self.store.clock.now()
        micros = int(now.timestamp()) * 1_000_000 + now.microsecond
        if micros <= self._last_micros:
            micros = self._last_micros + 1
        self._last_micros = micros
        seconds, fraction = divmod(micros, 1_000_000)
        if self._second[0] != seconds:
            self._second = (seconds, from_micros(seconds * 1_000_000)[:19])
        return f"{self._second[1]}.{fraction:06d}Z"

    def get(self, bead_id: str) -> Record | None:
        return self.cache.get(bead_id)

    def new_id(self, seed: str, infix: str = "", prefix: str | None = None) -> str:
        taken = {event["bead"] for event in self.events}
        return new_bead_id(
            prefix or self.store.config.prefix,
            seed,
            self.store.rng,
            lambda candidate: candidate in taken or self.store.exists(candidate),
            infix,
        )

    def emit(self, op: str, bead: str, data: dict[str, Any], ts: str | None = None) -> Event:
        """Add an event to the batch and apply it, so later reads in this batch see it."""
        event = self._make(op, bead, data, ts)
        self.cache.apply(event)
        self.cache.flush(self.position.generation + 1)
        return event

    def emit_many(self, items: list[tuple[str, str, dict[str, Any]]]) -> list[Event]:
        """Emit many events at once (bulk import): applied in memory, written at commit."""
        made = [self._make(op, bead, data, None) for op, bead, data in items]
        for event in made:
            self.cache.apply(event)
        return made

    def new_event_id(self) -> str:
        """A fresh ULID (events, and things that borrow their id shape such as comments)."""
        return new_ulid(self.store.clock.now(), self.store.rng)

    def _make(self, op: str, bead: str, data: dict[str, Any], ts: str | None) -> Event:
        if ts is None:
            ts = self.stamp()
        event = make_event(self.new_event_id(), ts, self.actor, op, bead, data)
        self.events.append(event)
        return event

    def commit(self) -> None:
        """Append the batch with one write, then record positions, history and the feed."""
        if not self.events:
            return
        if len(self.events) > 1:  # readers apply a batch only when all of it is there
            batch = {"id": self.events[0]["id"], "size": len(self.events)}
            for event in self.events:
                event["batch"] = batch
        lines = [json_codec.dumps(event) for event in self.events]
        start = self.position.offset
        self.store.log.append(b"\n".join(lines) + b"\n")
        histories: dict[str, list[int]] = {}
        offset = start
        for event, line in zip(self.events, lines, strict=True):
            if event["bead"]:
                histories.setdefault(event["bead"], []).append(offset)
            offset += len(line) + 1
        self.cache.flush(self.position.generation + 1, histories)
        self.position = self.store.projection.record_applied(
            self.position, self.events, lines, start, self.position.line_count + 1
        )
