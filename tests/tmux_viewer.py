"""A tmux server standing in for the operator's terminal, for end-to-end tests of the real
`gt tui` and `gt demo`: keys go in with send-keys, the screen comes back with capture-pane."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path


class Viewer:
    """A tmux server standing in for the operator's terminal."""

    def __init__(self, env: dict[str, str]) -> None:
        self.socket = f"gtv-{uuid.uuid4().hex[:8]}"
        self.env = env

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], env=self.env, text=True,
                              capture_output=True, check=False)  # fmt: skip
        return done.stdout

    def start(self, command: str, cwd: Path, width: int = 140, height: int = 44) -> None:
        """Run `command` in the pane `view`, kept after it exits (to read its exit status)."""
        self.tmux("new-session", "-d", "-s", "view", "-x", str(width), "-y", str(height),
                  "-c", str(cwd), command)  # fmt: skip
        self.tmux("set-option", "-w", "-t", "view:", "remain-on-exit", "on")
        # A detached session may still come up at the default 80x24: fix the size explicitly.
        self.tmux("set-option", "-w", "-t", "view:", "window-size", "manual")
        self.tmux("resize-window", "-t", "view:", "-x", str(width), "-y", str(height))

    def exit_status(self) -> int | None:
        """The pane's command's exit status, once it has exited."""
        dead, _, status = (
            self.tmux("list-panes", "-t", "view", "-F", "#{pane_dead} #{pane_dead_status}")
            .strip()
            .partition(" ")
        )
        return int(status) if dead == "1" and status else None

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "view")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "view", *keys)

    def pane(self) -> tuple[bool, int]:
        dead, pid = self.tmux("list-panes", "-t", "view", "-F", "#{pane_dead} #{pane_pid}").split()
        return dead == "1", int(pid)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()
