"""A line index of `events.jsonl`: where each complete line starts, so the feed can show any
slice of a million-event log, newest first, reading only the lines on screen.

Built incrementally (a chunk at a time, with progress), extended as the log grows, and started
over when the log is truncated or replaced (an atomic rename gives it a new inode). Offsets are
kept in an `array` (8 bytes a line: 8 MB at a million events), never the lines themselves.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable
from pathlib import Path

CHUNK = 4 * 1024 * 1024
Progress = Callable[[int, int], object]  # (bytes indexed, bytes in the file)


class LogIndex:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.starts = array("Q")  # start offset of every complete line
        self.indexed = 0  # bytes covered: the end of the last complete line
        self._identity: tuple[int, int] | None = None  # (device, inode) of the indexed file

    def __len__(self) -> int:
        return len(self.starts)

    def refresh(self, progress: Progress | None = None, *, stop: Callable[[], bool] | None = None,
                ) -> bool:  # fmt: skip
        """Index what was appended since the last call; True when the index started over
        (the file was truncated or replaced). A missing file is an empty log."""
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            reset = bool(self.starts)
            self._clear(None)
            return reset
        identity = (info.st_dev, info.st_ino)
        reset = identity != self._identity or info.st_size < self.indexed
        if reset:
            reset = self._identity is not None
            self._clear(identity)
        if info.st_size > self.indexed:
            self._scan(info.st_size, progress, stop)
        return reset

    def _clear(self, identity: tuple[int, int] | None) -> None:
        self.starts = array("Q")
        self.indexed = 0
        self._identity = identity

    def _scan(self, size: int, progress: Progress | None, stop: Callable[[], bool] | None) -> None:
        with self.path.open("rb") as handle:
            handle.seek(self.indexed)
            position = self.indexed
            pending = b""  # an incomplete line carried into the next chunk
            while position < size:
                if stop is not None and stop():
                    return
                chunk = handle.read(min(CHUNK, size - position))
                if not chunk:
                    break
                data = pending + chunk
                base = position - len(pending)
                start = 0
                found = data.find(b"\n")
                while found != -1:
                    self.starts.append(base + start)
                    start = found + 1
                    found = data.find(b"\n", start)
                pending = data[start:]
                position += len(chunk)
                self.indexed = base + start
                if progress is not None:
                    progress(self.indexed, size)

    def line(self, number: int) -> bytes:
        """Line `number` (0-based, oldest first) without its newline."""
        return self.lines(number, number + 1)[0]

    def lines(self, first: int, stop: int) -> list[bytes]:
        """Lines `first` .. `stop - 1`, read in one go."""
        first, stop = max(0, first), min(stop, len(self.starts))
        if first >= stop:
            return []
        begin = self.starts[first]
        end = self.starts[stop] if stop < len(self.starts) else self.indexed
        with self.path.open("rb") as handle:
            handle.seek(begin)
            data = handle.read(end - begin)
        return [
            data[self.starts[i] - begin : (self.starts[i + 1] if i + 1 < len(self.starts)
                                           else self.indexed) - begin - 1]
            for i in range(first, stop)
        ]  # fmt: skip
