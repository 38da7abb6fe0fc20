"""The events of a few ops, read from the Beads log itself and kept up to date as it grows.

CVs, seance and costs read the whole history of a town, which the projection does not keep
(its events table is the feed's recent window). `OpEvents` reads `events.jsonl` once, finding
its ops' `"op":"…"` with one regular expression over each chunk (the C scanner skips the other
lines without parsing them; 290 MB in 0.4 s) and parsing only the lines around the matches, and
afterwards reads only the bytes appended since. A log that shrank or was
replaced (a `gt sync` renames a new file in) is read again from the start. A torn last line is
left for the next read; a malformed line is skipped.

`op_events(path, ops)` hands out one shared reader per log and set of ops, so the control
room's follower and its engine calls do not each re-read the history.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from gastown_tui.core.events import Event
from gastown_tui.store import json_codec

CHUNK = 8 * 1024 * 1024


class OpEvents:
    """Every event of `ops` in one log, in (ts, id) order, re-read only as far as needed."""

    def __init__(self, path: Path, ops: Iterable[str]) -> None:
        self.path = path
        self.ops = tuple(sorted(set(ops)))
        names = b"|".join(re.escape(op.encode()) for op in self.ops)
        self._pattern = re.compile(rb'"op":\s*"(?:' + names + rb')"')
        self._lock = threading.Lock()
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file read
        self._offset = 0
        self._events: list[Event] = []
        self._sorted: tuple[Event, ...] = ()

    def read(self) -> tuple[Event, ...]:
        """The events as of now (an empty tuple while the log does not exist)."""
        with self._lock:
            try:
                with self.path.open("rb") as log:
                    stat = os.fstat(log.fileno())
                    identity = (stat.st_dev, stat.st_ino)
                    if identity != self._identity or stat.st_size < self._offset:
                        self._identity, self._offset, self._events = identity, 0, []
                        self._sorted = ()
                    if stat.st_size > self._offset:
                        self._read_tail(log, stat.st_size)
            except FileNotFoundError:
                self._identity, self._offset, self._events, self._sorted = None, 0, [], ()
            return self._sorted

    def _read_tail(self, log: BinaryIO, size: int) -> None:
        log.seek(self._offset)
        fresh: list[Event] = []
        while self._offset < size:
            chunk = log.read(min(CHUNK, size - self._offset))
            if not chunk:
                break
            end = chunk.rfind(b"\n") + 1  # a torn last line waits for the next read
            if end == 0:
                if len(chunk) < CHUNK:
                    break
                end = len(chunk)  # one line longer than a chunk: not an event we read
            line_end = -1
            for match in self._pattern.finditer(chunk, 0, end):
                if match.start() < line_end:
                    continue  # a second match in a line already read
                line_start = chunk.rfind(b"\n", 0, match.start()) + 1
                line_end = chunk.find(b"\n", match.end(), end)
                try:
                    event = json_codec.loads(chunk[line_start:line_end])
                except ValueError:
                    continue
                if (isinstance(event, dict) and event.get("op") in self.ops
                        and isinstance(event.get("ts"), str) and isinstance(event.get("id"), str)
                        and isinstance(event.get("data", {}), dict)):  # fmt: skip
                    fresh.append(event)
            self._offset += end
            log.seek(self._offset)
        if fresh:
            self._events.extend(fresh)
            self._events.sort(key=lambda e: (e["ts"], e["id"]))
            self._sorted = tuple(self._events)


_READERS: dict[tuple[str, tuple[str, ...]], OpEvents] = {}
_READERS_LOCK = threading.Lock()


def op_events(path: Path, ops: Iterable[str]) -> OpEvents:
    """The shared reader of `ops` in the log at `path`."""
    wanted = tuple(sorted(set(ops)))
    key = (str(path.resolve()), wanted)
    with _READERS_LOCK:
        reader = _READERS.get(key)
        if reader is None:
            reader = _READERS[key] = OpEvents(path, wanted)
        return reader
