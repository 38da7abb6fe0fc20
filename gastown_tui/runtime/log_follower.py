"""`LogFollower`: notices when an append-only log in a directory changes, and says what changed.

It watches the directory, not the file (watchfiles, debounce ≤ 50 ms): an atomic rename that
replaces the log is a change in the directory, while a watch on the file would keep following
the old inode. Each `poll` stats the log and reads only the bytes after the last complete line
it saw; a log that shrank (truncated) or is another file (replaced: new device/inode) starts
over from byte 0 and says so (`reset`). A line still being written is left for the next poll.

The watch (`start`) runs in its own daemon thread and only sets an event; the caller's loop
decides when to `wait` and `poll`, so one follower can feed several consumers (the feed and the
snapshot).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

DEBOUNCE_MS = 50
STEP_MS = 20
READ_LIMIT = 64 * 1024 * 1024  # at most this much per poll; the rest on the next one


@dataclass(frozen=True)
class LogChange:
    start: int  # the byte offset the new lines start at (0 after a reset)
    end: int  # the offset after the last complete line now in the log
    lines: int  # complete lines between start and end
    reset: bool  # the log was truncated or replaced: whatever was read before is gone
    size: int  # the log's size at the poll (may include a line still being written)


class LogFollower:
    def __init__(self, log: Path) -> None:
        self.log = log
        self.offset = 0  # the end of the last complete line seen
        self._identity: tuple[int, int] | None = None
        self.changed = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start watching the directory (a daemon thread, ended by `close`)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, daemon=True, name="gt-log-watch")
            self._thread.start()

    def start_at_end(self) -> None:
        """Skip what the log holds now: the next poll reports only what comes after."""
        try:
            info = os.stat(self.log)
            end = self._last_line_end(info.st_size)
        except OSError:
            return  # unreadable now: the first poll that can read it starts from byte 0
        self._identity = (info.st_dev, info.st_ino)
        self.offset = end

    def wait(self, timeout: float) -> bool:
        """Until the directory changed (True) or `timeout` seconds passed (False)."""
        woke = self.changed.wait(timeout)
        self.changed.clear()
        return woke

    def wake(self) -> None:
        """Make the next (or current) `wait` return now."""
        self.changed.set()

    def poll(self) -> LogChange | None:
        """What was appended since the last poll, or None when nothing was."""
        try:
            info = os.stat(self.log)
        except OSError:
            reset = self._identity is not None
            self._identity, self.offset = None, 0
            return LogChange(0, 0, 0, True, 0) if reset else None
        identity = (info.st_dev, info.st_ino)
        reset = self._identity is not None and (
            identity != self._identity or info.st_size < self.offset
        )
        if reset or self._identity is None:
            self._identity, self.offset = identity, 0
        if info.st_size <= self.offset:
            return LogChange(0, 0, 0, True, info.st_size) if reset else None
        start = self.offset
        try:
            with self.log.open("rb") as handle:
                handle.seek(start)
                data = handle.read(min(info.st_size - start, READ_LIMIT))
        except OSError:
            return None
        complete = data.rfind(b"\n") + 1
        if complete == 0 and not reset:
            return None
        self.offset = start + complete
        if len(data) < info.st_size - start:
            self.changed.set()  # more to read: the next poll continues without waiting
        return LogChange(start, self.offset, data.count(b"\n", 0, complete), reset, info.st_size)

    def close(self) -> None:
        self._closed.set()
        self.changed.set()

    def _last_line_end(self, size: int) -> int:
        with self.log.open("rb") as handle:
            position = size
            while position > 0:
                step = min(65536, position)
                handle.seek(position - step)
                found = handle.read(step).rfind(b"\n")
                if found != -1:
                    return position - step + found + 1
                position -= step
        return 0

    def _watch(self) -> None:
        from watchfiles import watch

        name = self.log.name
        while not self._closed.is_set():
            try:
                for changes in watch(
                    self.log.parent,
                    recursive=False,
                    step=STEP_MS,
                    debounce=DEBOUNCE_MS,
                    rust_timeout=5000,
                    yield_on_timeout=False,
                    stop_event=self._closed,
                ):
                    # The projection's own files change on every catch-up: only the log counts.
                    if any(Path(path).name == name for _, path in changes):
                        self.changed.set()
            except (FileNotFoundError, RuntimeError, OSError):
                self._closed.wait(1.0)  # the directory is gone: look again later
