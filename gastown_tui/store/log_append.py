"""Appending a batch to the Beads log, `events.jsonl`, in one `write()`.

The only code that grows the log; only `write_transaction` calls it, holding the writers' lock.
`GT_FAULT=log.partial_write` makes it write half a batch and kill its process, so tests can
tear the log on purpose (DESIGN §3, fault seam).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

FAULT_ENV = "GT_FAULT"
PARTIAL_WRITE_FAULT = "log.partial_write"


def append_to_log(path: Path, payload: bytes) -> int:
    """Append `payload` to the log at `path` with one `write()` and fsync it; the file size
    after it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if os.environ.get(FAULT_ENV) == PARTIAL_WRITE_FAULT and len(payload) > 1:
            os.write(descriptor, payload[: len(payload) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        view = memoryview(payload)
        while view:
            written = os.write(descriptor, view)
            view = view[written:]
        os.fsync(descriptor)  # before the caller commits the projection and says "done"
        return os.fstat(descriptor).st_size
    finally:
        os.close(descriptor)
