"""One town's tmux server (DESIGN §5): its own `-L` socket on every call, never `$TMUX`.

Every call goes through libtmux's command runner with the socket name, so a user's default
server is never touched. Pane state for all sessions comes from one `list-panes -a` call.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from libtmux.common import tmux_cmd
from libtmux.exc import TmuxCommandNotFound

from gastown_tui.core.display_text import strip_control

_FIELDS = ("session_name", "pane_id", "pane_dead", "pane_pid", "window_activity",
           "pane_current_command", "pane_dead_status")  # fmt: skip
_SEPARATOR = "\x1f"
CHUNK_BYTES = 512
TMUX_MISSING = (
    "tmux is not installed (or not on PATH): Gas Town runs its agents in tmux; install it "
    "(apt-get install tmux)"
)


class TmuxError(RuntimeError):
    """A tmux command failed; the message carries its stderr."""


@dataclass(frozen=True)
class PaneState:
    session: str
    pane_id: str
    dead: bool
    pid: int
    activity: int  # epoch seconds of the window's last activity
    command: str
    exit_status: int | None


class TmuxServer:
    """The tmux server on socket `socket` (`tmux -L socket`)."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def _call(self, *args: str) -> tmux_cmd:
        try:
            return tmux_cmd("-L", self.socket, *args)
        except TmuxCommandNotFound as error:
            raise TmuxError(TMUX_MISSING) from error

    def run(self, *args: str, check: bool = True) -> list[str]:
        result = self._call(*args)
        if check and result.returncode != 0:
            message = " ".join(result.stderr) or f"exit {result.returncode}"
            raise TmuxError(f"tmux -L {self.socket} {args[0]}: {message}")
        return list(result.stdout)

    def is_running(self) -> bool:
        return self._call("list-sessions").returncode == 0

    def sessions(self) -> list[str]:
        result = self._call("list-sessions", "-F", "#{session_name}")
        return list(result.stdout) if result.returncode == 0 else []

    def has_session(self, name: str) -> bool:
        return self._call("has-session", "-t", f"={name}").returncode == 0

    def new_session(
        self,
        name: str,
        cwd: str,
        environment: Mapping[str, str],
        command: Sequence[str],
        *,
        keep_dead_pane: bool = True,
        base_environment: Mapping[str, str] | None = None,
    ) -> None:
        """Start `command` (argv, run without a shell) in a detached session `name`.

        The tmux client runs with `base_environment` (default: this process's): a server it
        starts takes that as its global environment, under every session's `-e` values.
        """
        args = ["new-session", "-d", "-s", name, "-c", cwd, "-x", "200", "-y", "50"]
        for key, value in environment.items():
            args += ["-e", f"{key}={value}"]
        # tmux gives a new pane the PATH of the client that asked for it, whatever `-e` says,
        # so the client runs with the session's PATH too.
        binary = shutil.which("tmux")
        if binary is None:
            raise TmuxError(TMUX_MISSING)
        client_env = dict(os.environ if base_environment is None else base_environment)
        if "PATH" in environment:
            client_env["PATH"] = environment["PATH"]
        done = subprocess.run(
            [binary, "-L", self.socket, *args, "--", *command],
            env=client_env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise TmuxError(f"tmux -L {self.socket} new-session: {done.stderr.strip()}")
        if keep_dead_pane:  # a crashed agent's last words stay visible; the pane shows dead
            self.run("set-option", "-w", "-t", f"={name}:", "remain-on-exit", "on")

    def kill_session(self, name: str) -> bool:
        return self._call("kill-session", "-t", f"={name}").returncode == 0

    def kill_server(self) -> bool:
        return self._call("kill-server").returncode == 0

    def panes(self) -> list[PaneState] | None:
        """Every pane of every session, in one call; None when no server is running."""
        template = _SEPARATOR.join(f"#{{{name}}}" for name in _FIELDS)
        result = self._call("list-panes", "-a", "-F", template)
        if result.returncode != 0:
            return None
        panes = []
        for line in result.stdout:
            parts = line.split(_SEPARATOR)
            if len(parts) != len(_FIELDS):
                continue
            session, pane_id, dead, pid, activity, command, status = parts
            panes.append(PaneState(
                session, pane_id, dead == "1", int(pid or 0), int(activity or 0), command,
                int(status) if status.lstrip("-").isdigit() else None,
            ))  # fmt: skip
        return panes

    def capture(self, target: str, lines: int = 200) -> str:
        """The visible text of a pane (and `lines` of history), without escape sequences."""
        output = self.run("capture-pane", "-p", "-J", "-t", target, "-S", f"-{lines}")
        return "\n".join(output)

    def send_text(self, target: str, text: str) -> str:
        """Type `text` into the pane literally, control characters stripped; returns what was sent.

        tmux reads an argument ending in `;` as a command separator, so trailing semicolons of
        a chunk go as hex keys instead.
        """
        clean = strip_control(text)
        data = clean.encode()
        start = 0
        while start < len(data):
            end = min(start + CHUNK_BYTES, len(data))
            while end < len(data) and (data[end] & 0xC0) == 0x80:
                end -= 1  # never split a UTF-8 character
            chunk = data[start:end].decode()
            body = chunk.rstrip(";")
            if body:
                self.run("send-keys", "-t", target, "-l", "--", body)
            if len(body) < len(chunk):
                self.run("send-keys", "-t", target, "-H", *(["3b"] * (len(chunk) - len(body))))
            start = end
        return clean

    def send_enter(self, target: str) -> None:
        self.run("send-keys", "-t", target, "Enter")


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll `condition` until it is true or `timeout` seconds pass; True if it became true."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
