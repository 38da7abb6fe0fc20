"""The writers' lock: an exclusive `flock` on `.beads/events.lock`."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive_lock(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive advisory lock on `path` (created if missing) for the block's duration.

    The kernel drops a flock when its holder dies, so a killed writer never wedges the store.
    With `wait=False` the block runs at once and receives False when someone else holds it
    (a reader that must not hang behind a long rebuild goes on with what it has).
    """
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)  # closing releases the lock
