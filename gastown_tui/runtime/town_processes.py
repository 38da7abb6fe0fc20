"""Finding the processes a town left behind, by where they run: a process of ours (a detached
`gt polecat cycle`, a tmux server it started, a sim worker) works inside the town's directory
and runs gastown_tui or tmux. Linux `/proc` only; elsewhere nothing is found.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

_PROC = Path("/proc")
_OURS = (b"gastown_tui", b"tmux")


def processes_in(folder: Path) -> list[int]:
    """Pids (not this process or its parents) whose working directory is `folder` or inside it
    and whose command line names gastown_tui or tmux."""
    root = folder.resolve()
    spared = {os.getpid(), os.getppid()}
    found = []
    for entry in _PROC.iterdir() if _PROC.is_dir() else ():
        if not entry.name.isdigit() or int(entry.name) in spared:
            continue
        try:
            cwd = (entry / "cwd").resolve()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if (cwd == root or root in cwd.parents) and any(mark in command for mark in _OURS):
            found.append(int(entry.name))
    return found


def kill_processes(pids: list[int]) -> list[int]:
    """SIGKILL each; the ones that were still there."""
    killed = []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue
        killed.append(pid)
    return killed
