"""The Beads log file, `events.jsonl`, read by byte offset (`log_append` writes it).

Readers only ever see complete lines: a line without its `\\n` may still be being written (or
its writer died); it is left for later. The lock holder mends a torn tail by appending `\\n`
first, so a fragment becomes one malformed line and never glues itself to the next event.

A catch-up reads through one `LogReader`, one open file: its size (fstat), the check that the
last applied line is still in place and the tail all come from the same inode, so a log
replaced by rename in between (a `git pull`) is never checked in one file and read in another.
An append (`log_append`) is fsynced before it returns: success is reported only for events on disk.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


def line_hash(line: bytes) -> str:
    """The identity of a log line for position checks."""
    return hashlib.blake2b(line, digest_size=12).hexdigest()


@dataclass(frozen=True)
class LogLine:
    """One complete line: its bytes without the newline, where it starts, its 1-based number."""

    text: bytes
    start: int
    number: int

    @property
    def end(self) -> int:
        return self.start + len(self.text) + 1


class LogReader:
    """Reads of one open `events.jsonl` (None: the file did not exist when it was opened)."""

    def __init__(self, handle: BinaryIO | None) -> None:
        self.handle = handle

    def size(self) -> int:
        return os.fstat(self.handle.fileno()).st_size if self.handle is not None else 0

    def read_range(self, start: int, end: int) -> bytes:
        if end <= start or self.handle is None:
            return b""
        self.handle.seek(start)
        return self.handle.read(end - start)

    def complete_chunks(
        self, offset: int, chunk_size: int = 1 << 24
    ) -> Iterator[tuple[int, bytes]]:
        """(start offset, bytes) pieces from `offset`, each ending in `\n`; no partial line."""
        if self.handle is None:
            return
        self.handle.seek(offset)
        pending = b""
        base = offset
        while True:
            chunk = self.handle.read(chunk_size)
            if not chunk:
                return
            data = pending + chunk
            cut = data.rfind(b"\n") + 1
            if cut:
                yield base, data[:cut]
                base += cut
            pending = data[cut:]


class EventLog:
    """Byte-level access to one `events.jsonl`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def reader(self) -> Iterator[LogReader]:
        """The log as one open file for the block (a missing log reads as empty)."""
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            yield LogReader(None)
            return
        with handle:
            yield LogReader(handle)

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def read_range(self, start: int, end: int) -> bytes:
        if end <= start:
            return b""
        with self.path.open("rb") as handle:
            handle.seek(start)
            return handle.read(end - start)

    def lines_from(self, offset: int, first_number: int) -> Iterator[LogLine]:
        """Complete lines from `offset` (which must start a line), numbered from `first_number`."""
        number = first_number
        for base, data in self.complete_chunks(offset):
            start = base
            for text in data.split(b"\n")[:-1]:
                yield LogLine(text, start, number)
                start += len(text) + 1
                number += 1

    def complete_chunks(
        self, offset: int, chunk_size: int = 1 << 24
    ) -> Iterator[tuple[int, bytes]]:
        """(start offset, bytes) pieces from `offset`, each ending in `\n`; no partial line."""
        with self.reader() as reader:
            yield from reader.complete_chunks(offset, chunk_size)

    def unterminated_tail(self, offset: int) -> bytes:
        """Bytes after the last `\\n` at or after `offset` (a torn or in-flight line), or b''."""
        size = self.size()
        if size <= offset:
            return b""
        with self.path.open("rb") as handle:
            handle.seek(max(offset, size - 1))
            if handle.read(1) == b"\n":
                return b""
            handle.seek(offset)
            data = handle.read(size - offset)
        return data[data.rfind(b"\n") + 1 :]
