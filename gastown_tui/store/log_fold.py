"""Folding log lines into bead records, and collecting what the projection keeps beside them.

Used for both a full rebuild and catching up a tail. Besides the records it gathers the feed
window (the newest events, for the control room's feed), each bead's history (the byte offsets
of the events that touched it, so history reads go straight to those lines in the log), the
malformed lines, and the count of events of unknown ops.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import orjson

from gastown_tui.core.events import NON_BEAD_OPS, Event, event_problem
from gastown_tui.core.fold import HANDLERS, Beads, apply_event
from gastown_tui.store import json_codec

FEED_WINDOW = 50_000
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
        self.recent: deque[tuple[Event, int]] = deque(maxlen=FEED_WINDOW)
        self.history: dict[str, list[int]] = {}
        self.problems: list[tuple[int, str]] = []
        self.unknown = 0
        self.end = 0  # offset just past the last line seen
        self.last_line = (0, b"")  # (start, text) of the line that ends at `end`
        self.line_count = 0

    def feed_rows(self) -> list[EventRow]:
        """The newest events (at most FEED_WINDOW) as rows of the projection's feed table."""
        return [(event["id"], event["ts"], event.get("actor"), event["op"], event.get("bead"),
                 start) for event, start in self.recent]  # fmt: skip

    def add_chunk(self, data: bytes, base: int, first_number: int) -> None:
        """Every line of `data` (which ends in a newline), starting at byte `base`.

        The hot loop of a rebuild: one pass, locals only, the common case checked inline.
        """
        loads = orjson.loads
        handlers = HANDLERS
        beads = self.beads
        history = self.history
        recent = self.recent.append
        load = self.load
        watermark_ts, watermark_id = self.watermark
        start = base
        number = first_number - 1
        for text in data.split(b"\n")[:-1]:
            number += 1
            line_start = start
            start += len(text) + 1
            try:
                event = loads(text)
                ts = event["ts"]
                event_id = event["id"]
                op = event["op"]
                bead = event.get("bead", "")
                data_object = event.get("data")
            except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
                event = self._slow_parse(text, number)
                if event is None:
                    continue
                ts, event_id, op = event["ts"], event["id"], event["op"]
                bead, data_object = event.get("bead", ""), event.get("data")
            if (
                type(ts) is not str or type(event_id) is not str or type(op) is not str
                or type(bead) is not str or not ts or not event_id
            ):  # fmt: skip
                problem = event_problem(event)
                self.problems.append((number, problem or "malformed event"))
                continue
            if ts > watermark_ts or (ts == watermark_ts and event_id > watermark_id):
                watermark_ts, watermark_id = ts, event_id
            elif self.require_order:
                raise OutOfOrderError((ts, event_id))
            if load is not None and bead:
                load(bead)
            handler = handlers.get(op)
            if handler is None:
                if op not in NON_BEAD_OPS:
                    self.unknown += 1
            else:
                handler(beads, event, data_object if type(data_object) is dict else {})
            if bead:
                offsets = history.get(bead)
                if offsets is None:
                    history[bead] = [line_start]
                else:
                    offsets.append(line_start)
            recent((event, line_start))
        self.watermark = (watermark_ts, watermark_id)
        if start > self.end:
            self.end = start
            self.line_count = number
            last_text = data[data.rfind(b"\n", 0, len(data) - 1) + 1 : -1]
            self.last_line = (start - len(last_text) - 1, last_text)

    def _slow_parse(self, text: bytes, number: int) -> Event | None:
        if not text.strip():
            return None
        event, problem = parse_event(text)
        if event is None:
            self.problems.append((number, str(problem)))
        return event

    def add_event(self, event: Event, start: int, number: int) -> None:
        """One pre-parsed, valid event (the sorted rebuild path)."""
        stamp = (event["ts"], event["id"])
        if stamp <= self.watermark:
            if self.require_order:
                raise OutOfOrderError(stamp)
        else:
            self.watermark = stamp
        bead = event.get("bead") or ""
        if self.load is not None and bead:
            self.load(bead)
        if not apply_event(self.beads, event):
            self.unknown += 1
        if bead:
            self.history.setdefault(bead, []).append(start)
        self.recent.append((event, start))
