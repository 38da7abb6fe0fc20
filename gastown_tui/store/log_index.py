"""A line index of `events.jsonl`: where each complete line starts, so the feed can show any
slice of a million-event log, newest first, reading only the lines on screen.

Built incrementally (a chunk at a time, with progress), extended as the log grows, and started
over when the log is truncated or replaced (an atomic rename gives it a new inode). Offsets are
kept in an `array` (8 bytes a line: 8 MB at a million events), never the lines themselves.

With a `cache` path (next to the projection: `.beads/beads.db-lineindex`, ignored by git like
the projection) the index is saved after a build and loaded at the next open, then only the
bytes appended since are scanned. A cache is used only when the log is the same file (device,
inode), at least as long as what was indexed, with the same first bytes and a newline where the
indexed part ends; anything else is a rebuild, never a wrong line.
"""

from __future__ import annotations

import os
import struct
import sys
from array import array
from collections.abc import Callable
from pathlib import Path

CHUNK = 4 * 1024 * 1024
CACHE_MAGIC = b"GTLIDX1\n"
HEAD_BYTES = 4096  # the log's first bytes, kept in the cache to notice a rewrite in place
_HEADER = struct.Struct("<QQQQ")  # device, inode, bytes indexed, line count
Progress = Callable[[int, int], object]  # (bytes indexed, bytes in the file)


class LogIndex:
    def __init__(self, path: Path, cache: Path | None = None) -> None:
        self.path = path
        self.cache = cache
        self.starts = array("Q")  # start offset of every complete line
        self.indexed = 0  # bytes covered: the end of the last complete line
        self._identity: tuple[int, int] | None = None  # (device, inode) of the indexed file
        self.loaded_from_cache = False

    def load_cache(self) -> bool:
        """Take the saved index when it still describes the log (see the module docstring)."""
        if self.cache is None:
            return False
        try:
            info = os.stat(self.path)
            with self.cache.open("rb") as saved:
                if saved.read(len(CACHE_MAGIC)) != CACHE_MAGIC:
                    return False
                device, inode, indexed, count = _HEADER.unpack(saved.read(_HEADER.size))
                head = saved.read(HEAD_BYTES)
                starts = array("Q")
                starts.frombytes(saved.read(count * starts.itemsize))
            if sys.byteorder != "little":
                starts.byteswap()
            if (device, inode) != (info.st_dev, info.st_ino) or info.st_size < indexed:
                return False
            known = min(indexed, HEAD_BYTES)  # the log may have grown past a short saved head
            if len(starts) != count or self._head()[:known] != head[:known]:
                return False
            if not self._ends_line(indexed):
                return False
        except (OSError, struct.error, ValueError):
            return False
        self.starts, self.indexed, self._identity = starts, indexed, (device, inode)
        self.loaded_from_cache = True
        return True

    def save_cache(self) -> None:
        """Write the index next to the projection (atomically); a failure only costs a rebuild."""
        if self.cache is None or self._identity is None:
            return
        starts = self.starts
        if sys.byteorder != "little":
            starts = array("Q", starts)
            starts.byteswap()
        temporary = self.cache.with_name(self.cache.name + ".tmp")
        try:
            with temporary.open("wb") as out:
                out.write(CACHE_MAGIC)
                out.write(_HEADER.pack(*self._identity, self.indexed, len(starts)))
                out.write(self._head().ljust(HEAD_BYTES, b"\0")[:HEAD_BYTES])
                out.write(starts.tobytes())
            os.replace(temporary, self.cache)
        except OSError:
            temporary.unlink(missing_ok=True)

    def _head(self) -> bytes:
        with self.path.open("rb") as handle:
            return handle.read(HEAD_BYTES).ljust(HEAD_BYTES, b"\0")

    def _ends_line(self, indexed: int) -> bool:
        if indexed == 0:
            return True
        with self.path.open("rb") as handle:
            handle.seek(indexed - 1)
            return handle.read(1) == b"\n"

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
