"""Folding log lines into bead records, and collecting what the projection keeps beside them.

Used for both a full rebuild and catching up a tail. Besides the records it gathers the feed
window (the newest events, for the control room's feed), each bead's history (the byte offsets
of the events that touched it, so history reads go straight to those lines in the log), the
malformed lines, and the count of events of unknown ops.

Batches: the events of a multi-event batch carry `"batch": {"id": <first event id>, "size": n}`
and are applied only when all n are there. A write cut short can leave the first lines of a
batch complete; such a batch is torn and never applied. An incomplete batch at the very end of
the log may still be being written, so a reader catching up a tail stops before it; a caller
holding the writers' lock (every writer, and every rebuild) knows nobody is writing: it is torn.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import orjson

from gastown_tui.core.events import NON_BEAD_OPS, Event, event_problem
from gastown_tui.core.fold import HANDLERS, Beads
from gastown_tui.store import json_codec

FEED_WINDOW = 50_000
_NO_DATA: dict[str, Any] = {}  # an event without `data` (handlers only read it)
EventRow = tuple[str, str, Any, str, Any, int]


class OutOfOrderError(Exception):
    """The log holds an event not newer than one already applied: only a sorted rebuild is right."""


def parse_event(text: bytes) -> tuple[Event | None, str | None]:
    """A log line as an event, or the reason it is not one."""
    try:
        value = json_codec.loads(text)
    except ValueError as error:
        return None, f"invalid JSON ({error})"
    problem = event_problem(value)
    return (None, problem) if problem else (value, None)


Pending = list[tuple[Event, int, int, bytes]]  # (event, line start, line number, line text)


def batch_of(event: Event) -> tuple[str, int] | None:
    """(batch id, size) of an event that belongs to a multi-event batch, else None."""
    batch = event.get("batch")
    if type(batch) is not dict:
        return None
    batch_id, size = batch.get("id"), batch.get("size")
    if type(batch_id) is str and type(size) is int and size > 1:
        return batch_id, size
    return None


def torn_message(present: int, size: int) -> str:
    return f"torn batch: {present} of {size} events, not applied"


class LogFold:
    """Accumulates the fold of a run of log lines (or of pre-parsed events, for sorted input)."""

    def __init__(
        self,
        beads: Beads,
        watermark: tuple[str, str],
        *,
        require_order: bool,
        load: Callable[[str], object] | None = None,
    ) -> None:
        self.beads = beads
        self.watermark = watermark
        self.require_order = require_order
        self.load = load  # called before an event is applied, to fetch its bead on demand
        self.recent: deque[EventRow] = deque(maxlen=FEED_WINDOW)
        self.history: dict[str, list[int]] = {}
        self.problems: list[tuple[int, str]] = []
        self.unknown = 0
        self.applied = 0
        # The settled position: just past the last line whose fate is decided.
        self.end = 0
        self.last_line = (0, b"")  # (start, text) of the line that ends at `end`
        self.line_count = 0
        self.pending: Pending = []  # lines of a batch still incomplete
        self.pending_batch: tuple[str, int] | None = None

    def feed_rows(self) -> list[EventRow]:
        """The newest events (at most FEED_WINDOW) as rows of the projection's feed table."""
        return list(self.recent)

    def add_chunk(self, data: bytes, base: int, first_number: int) -> None:
        """Every line of `data` (which ends in a newline), starting at byte `base`.

        The hot loop of a rebuild, run once per event: `apply` inlined, its state in locals
        (written back before any of the rare paths, batches and bad lines, which use it), and
        the settled position written once per chunk unless a batch or a problem needs it.
        """
        loads, handlers, non_bead_ops = orjson.loads, HANDLERS, NON_BEAD_OPS
        beads, history, recent, load = self.beads, self.history, self.recent, self.load
        watermark_ts, watermark_id = self.watermark
        require_order = self.require_order
        applied = unknown = 0
        start = base
        number = first_number - 1
        settled = False
        for text in data.split(b"\n")[:-1]:
            number += 1
            line_start = start
            start += len(text) + 1
            try:
                event = loads(text)
                ts, event_id, op = event["ts"], event["id"], event["op"]
                bead, changes = event.get("bead", ""), event.get("data", _NO_DATA)
                valid = (
                    type(ts) is str and type(event_id) is str and type(op) is str
                    and type(bead) is str and type(changes) is dict and ts != ""
                    and event_id != "" and op != ""
                )  # fmt: skip
            except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
                valid = False
            if valid and not self.pending and "batch" not in event:
                if ts > watermark_ts or (ts == watermark_ts and event_id > watermark_id):
                    watermark_ts, watermark_id = ts, event_id
                elif require_order:
                    raise OutOfOrderError((ts, event_id))
                if bead and load is not None:
                    load(bead)
                handler = handlers.get(op)
                if handler is not None:
                    handler(beads, bead, event, changes)
                elif op not in non_bead_ops:
                    unknown += 1
                if bead:
                    offsets = history.get(bead)
                    if offsets is None:
                        history[bead] = [line_start]
                    else:
                        offsets.append(line_start)
                recent.append((event_id, ts, event.get("actor"), op, bead or event.get("bead"),
                               line_start))  # fmt: skip
                applied += 1
                settled = False
                continue
            self.watermark, self.applied, self.unknown = (
                (watermark_ts, watermark_id), self.applied + applied, self.unknown + unknown
            )  # fmt: skip
            applied = unknown = 0
            if settled is False and number > first_number:
                self._settle(line_start, *self._previous_line(data, base, line_start), number - 1)
            settled = True
            if not valid:
                self._irregular_line(text, line_start, number)
            else:
                self._batch_line(event, line_start, number, text)
            watermark_ts, watermark_id = self.watermark
        self.watermark = (watermark_ts, watermark_id)
        self.applied += applied
        self.unknown += unknown
        if not settled and number >= first_number:
            self._settle(start, *self._previous_line(data, base, start), number)

    @staticmethod
    def _previous_line(data: bytes, base: int, end: int) -> tuple[int, bytes]:
        """(start, text) of the line of `data` that ends just before byte `end` of the log."""
        stop = end - base - 1
        begin = data.rfind(b"\n", 0, stop) + 1
        return base + begin, data[begin:stop]

    def _irregular_line(self, text: bytes, start: int, number: int) -> None:
        """A blank line, or one that is not a usable event (or needs the slow parser)."""
        end = start + len(text) + 1
        if not text or text.isspace():
            if not self.pending:
                self._settle(end, start, text, number)
            return
        event, problem = parse_event(text)
        if event is None:
            self._tear()
            self.problems.append((number, str(problem)))
            self._settle(end, start, text, number)
        else:
            self._batch_line(event, start, number, text)

    def _settle(self, end: int, start: int, text: bytes, number: int) -> None:
        if end <= self.end:
            return
        self.end = end
        self.last_line = (start, text)
        self.line_count = number

    def _batch_line(self, event: Event, start: int, number: int, text: bytes) -> None:
        batch = batch_of(event)
        if self.pending and batch != self.pending_batch:
            self._tear()
        if batch is None:
            self.apply_event(event, start)
            self._settle(start + len(text) + 1, start, text, number)
            return
        self.pending_batch = batch
        self.pending.append((event, start, number, text))
        if len(self.pending) == batch[1]:
            for member, member_start, _, _ in self.pending:
                self.apply_event(member, member_start)
            self.pending = []
            self._settle(start + len(text) + 1, start, text, number)

    def _tear(self) -> None:
        """The pending batch will never complete: report it and skip its lines."""
        if not self.pending or self.pending_batch is None:
            return
        _, _, first_number, _ = self.pending[0]
        _, last_start, last_number, last_text = self.pending[-1]
        self.problems.append((first_number, torn_message(len(self.pending), self.pending_batch[1])))
        self._settle(last_start + len(last_text) + 1, last_start, last_text, last_number)
        self.pending = []

    def finish(self, *, locked: bool) -> None:
        """End of input: an incomplete batch is torn if nobody can still be writing it."""
        if locked:
            self._tear()

    def apply_event(self, event: Event, start: int) -> None:
        """Apply one valid event that sits at byte `start` of the log."""
        self.apply(event, start, event["ts"], event["id"], event["op"], event.get("bead") or "")

    def apply(self, event: Event, start: int, ts: str, event_id: str, op: str, bead: str) -> None:
        """`apply_event` with the event's keys already read (`add_chunk` inlines this)."""
        watermark_ts, watermark_id = self.watermark
        if ts > watermark_ts or (ts == watermark_ts and event_id > watermark_id):
            self.watermark = (ts, event_id)
        elif self.require_order:
            raise OutOfOrderError((ts, event_id))
        if bead and self.load is not None:
            self.load(bead)
        handler = HANDLERS.get(op)
        if handler is None:
            if op not in NON_BEAD_OPS:
                self.unknown += 1
        else:
            data = event.get("data")
            handler(self.beads, bead, event, data if type(data) is dict else {})
        if bead:
            offsets = self.history.get(bead)
            if offsets is None:
                self.history[bead] = [start]
            else:
                offsets.append(start)
        self.recent.append((event_id, ts, event.get("actor"), op, event.get("bead"), start))
        self.applied += 1


def fold_sorted(fold: LogFold, lines: list[tuple[bytes, int, int]]) -> None:
    """Fold a log whose lines are out of (ts, id) order: parse, de-duplicate, sort, apply.

    Only a rebuild does this, and a rebuild holds the writers' lock, so no batch is still being
    written: one missing some of its events is torn, reported and skipped.
    """
    parsed: list[tuple[Event, int, int]] = []
    seen: set[str] = set()
    for text, start, number in lines:
        if not text.strip():
            continue
        event, problem = parse_event(text)
        if event is None:
            fold.problems.append((number, str(problem)))
        elif event["id"] not in seen:  # a duplicate id applies once
            seen.add(event["id"])
            parsed.append((event, start, number))
    groups: dict[str, list[tuple[Event, int, int]]] = {}
    for item in parsed:
        batch = batch_of(item[0])
        if batch is not None:
            groups.setdefault(batch[0], []).append(item)
    incomplete = {
        batch_id for batch_id, members in groups.items()
        if len(members) < (batch_of(members[0][0]) or ("", 0))[1]
    }  # fmt: skip
    for batch_id in sorted(incomplete):
        members = groups[batch_id]
        size = (batch_of(members[0][0]) or ("", 0))[1]
        fold.problems.append((members[0][2], torn_message(len(members), size)))
    parsed.sort(key=lambda item: (item[0]["ts"], item[0]["id"]))
    for event, start, _ in parsed:
        batch = batch_of(event)
        if batch is None or batch[0] not in incomplete:
            fold.apply_event(event, start)
    if lines:
        text, start, number = lines[-1]
        fold._settle(start + len(text) + 1, start, text, number)
