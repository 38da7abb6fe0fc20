"""The writers' lock: an exclusive `flock` on `.beads/events.lock` (and the town's other locks).

Whoever holds a lock writes who they are into the lock file itself (pid, command, since), under
the lock; a process that has waited `REPORT_AFTER` seconds for it says who holds it, once, on
stderr (or to its `report` callback), so a wait is never a silent hang. The kernel drops a
flock when its holder dies, so a killed writer never wedges the store; its holder line stays
in the file until the next holder overwrites it, and is read only while the lock is taken.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

REPORT_AFTER = 2.0  # seconds of waiting before the holder is named
COMMAND_LIMIT = 200  # characters of the holder's command line kept


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def holder_text() -> bytes:
    """This process as a lock holder: one JSON line."""
    command = " ".join([os.path.basename(sys.argv[0]) if sys.argv else "?", *sys.argv[1:]])
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return json.dumps({"pid": os.getpid(), "command": command[:COMMAND_LIMIT],
                       "since": since}).encode() + b"\n"  # fmt: skip


def describe_holder(path: Path) -> str:
    """Who holds the lock at `path`, as its holder wrote it ('unknown' when it did not)."""
    try:
        holder = json.loads(path.read_bytes().splitlines()[0])
        return f"pid {holder['pid']} ({holder['command']}) since {holder['since']}"
    except (OSError, ValueError, IndexError, KeyError, TypeError):
        return "an unknown process"


@contextmanager
def exclusive_lock(
    path: Path,
    *,
    wait: bool = True,
    report: Callable[[str], None] | None = None,
    report_after: float = REPORT_AFTER,
) -> Iterator[bool]:
    """Hold an exclusive advisory lock on `path` (created if missing) for the block's duration.

    With `wait=False` the block runs at once and receives False when someone else holds it
    (a reader that must not hang behind a long rebuild goes on with what it has). A wait
    longer than `report_after` seconds is reported once through `report` (default: stderr).
    """
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            _wait_for(descriptor, path, report or _stderr, report_after)
        text = holder_text()
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, text, 0)
        yield True
    finally:
        os.close(descriptor)  # closing releases the lock


def _wait_for(descriptor: int, path: Path, report: Callable[[str], None], after: float) -> None:
    """Block on the lock; past `after` seconds, say once who holds it."""
    begun = time.monotonic()

    def say_who() -> None:
        waited = time.monotonic() - begun
        report(f"waiting for the lock {path}: held by {describe_holder(path)} "
               f"(waited {waited:.0f} s so far)")  # fmt: skip

    timer = threading.Timer(after, say_who)
    timer.daemon = True
    timer.start()
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    finally:
        timer.cancel()
