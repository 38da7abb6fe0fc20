"""`GT_FAULT` seams: named points where a test can make this process die on purpose.

`GT_FAULT=done.after_push` kills `gt done` right after its push, so tests can prove each step
is idempotent. Several seams may be listed, separated by commas.
"""

from __future__ import annotations

import os
import signal

FAULT_ENV = "GT_FAULT"


def fault_point(name: str) -> None:
    """Die here with SIGKILL (no cleanup, like a crash) when `name` is in GT_FAULT."""
    wanted = os.environ.get(FAULT_ENV, "")
    if name in {part.strip() for part in wanted.split(",")}:
        os.kill(os.getpid(), signal.SIGKILL)
