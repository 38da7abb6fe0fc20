"""The write protocol of the beads store (DESIGN §3): the one way events enter the log.

`write_transaction(store, actor)` takes the writers' flock, catches the projection up inside
`BEGIN IMMEDIATE`, mends a torn tail, lets the caller validate and emit events against that
fresh state, then appends the whole batch with one `write()`, records the new position and
commits. Only the engine (`store/`, `town/`) imports this module; `cli/` and `ui/` call the
engine's functions (an import-linter contract in pyproject.toml says so).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gastown_tui.core.events import Event, make_event
from gastown_tui.core.ids import new_bead_id, new_ulid
from gastown_tui.core.record import Record
from gastown_tui.core.timestamps import from_micros, to_micros
from gastown_tui.store import json_codec
from gastown_tui.store.beads_store import BeadsStore, ReadOnlyStoreError
from gastown_tui.store.file_lock import exclusive_lock
from gastown_tui.store.log_append import append_to_log
from gastown_tui.store.projection import Position, RecordCache
from gastown_tui.store.rollback import roll_back


@contextmanager
def write_transaction(store: BeadsStore, actor: str) -> Iterator[WriteTransaction]:
    """Exclusive write access: everything emitted inside is appended as one batch."""
    if store.readonly:
        raise ReadOnlyStoreError("refused: the store is open read-only (--readonly)")
    with exclusive_lock(store.paths.lock):
        store.connection.execute("BEGIN IMMEDIATE")
        try:
            transaction = WriteTransaction(store, actor, _mend_and_catch_up(store))
            yield transaction
            transaction.commit()
            store.projection.commit()
        except BaseException as error:
            roll_back(store.connection, error)
            raise


def _mend_and_catch_up(store: BeadsStore) -> Position:
    """Inside the writers' lock and an open transaction: catch up, and end a dead writer's
    unterminated fragment with a newline so it becomes its own (reported) line."""
    position = store.projection.catch_up_in_transaction(locked=True)
    if store.log.unterminated_tail(position.offset):
        append_to_log(store.log.path, b"\n")
        position = store.projection.catch_up_in_transaction(locked=True)
    return position


def catch_up_locked(store: BeadsStore) -> Position:
    """What `write_transaction` does before handing over, for a caller that already holds the
    writers' flock (taking it again on another descriptor would wait for itself)."""
    store.connection.execute("BEGIN IMMEDIATE")
    try:
        position = _mend_and_catch_up(store)
        store.projection.commit()
    except BaseException as error:
        roll_back(store.connection, error)
        raise
    return position


def rebuild_projection(store: BeadsStore) -> Position:
    """Replay the whole log into an empty projection, holding the writers' lock."""
    with exclusive_lock(store.paths.lock):
        store.connection.execute("BEGIN IMMEDIATE")
        try:
            position = store.projection.rebuild_in_transaction()
            store.projection.commit()
        except BaseException as error:
            roll_back(store.connection, error)
            raise
    return position


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
        append_to_log(self.store.log.path, b"\n".join(lines) + b"\n")
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
