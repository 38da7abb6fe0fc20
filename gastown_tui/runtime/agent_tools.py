"""The builtin agent's tools (DESIGN §5): files and commands, confined to its worktree.

`read_file`, `write_file` and `list_dir` take paths relative to the worktree; a path with a
`..` part, an absolute path outside the worktree, or one that leaves it through a symlink is
refused (the refusal goes back to the model as an error result, nothing is touched). `run`
runs a shell command in the worktree with the session's environment minus the API key, in its
own process group, killed as a group at its timeout; its output is cut to a bounded size.
`run` is a shell with the user's rights: its cwd is the worktree, but what a command does is
not confined (no sandbox); the file tools are.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Never handed to a command the model runs: `env` would print them into the transcript.
SECRET_KEYS = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")
MAX_RESULT_CHARS = 20_000
DEFAULT_COMMAND_TIMEOUT = 600

TOOL_SPECS: list[dict[str, Any]] = [
    {
        "name": "read_file",
        "description": "Read a text file of your worktree (path relative to the worktree).",
        "input_schema": {"type": "object", "properties": {"path": {"type": "string"}},
                         "required": ["path"]},
    },
    {
        "name": "write_file",
        "description": "Write (create or replace) a text file of your worktree with `content`.",
        "input_schema": {"type": "object", "properties": {
            "path": {"type": "string"}, "content": {"type": "string"}},
            "required": ["path", "content"]},
    },
    {
        "name": "list_dir",
        "description": "List a directory of your worktree ('.' for its top).",
        "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}},
    },
    {
        "name": "run",
        "description": "Run a shell command in your worktree (gt, bd, git, the rig's tests). "
        "Returns its exit code and output.",
        "input_schema": {"type": "object", "properties": {
            "command": {"type": "string"},
            "timeout": {"type": "integer", "description": "seconds (default 600)"}},
            "required": ["command"]},
    },
]  # fmt: skip


class ToolRefused(Exception):
    """A tool call that is not allowed or cannot be done; its text goes back to the model."""


@dataclass(frozen=True)
class ToolResult:
    text: str
    is_error: bool = False


def _bounded(text: str) -> str:
    if len(text) <= MAX_RESULT_CHARS:
        return text
    half = MAX_RESULT_CHARS // 2
    return f"{text[:half]}\n… [{len(text) - MAX_RESULT_CHARS} characters cut] …\n{text[-half:]}"


class WorktreeTools:
    """The tools of one session, all confined to `worktree`."""

    def __init__(self, worktree: Path, environ: Mapping[str, str], max_timeout: int = 1800):
        self.worktree = worktree.resolve()
        self.environ = {k: v for k, v in environ.items() if k not in SECRET_KEYS}
        self.max_timeout = max_timeout

    def confine(self, path: object) -> Path:
        """`path` inside the worktree, symlinks followed; ToolRefused when it leaves it."""
        if not isinstance(path, str) or not path or "\x00" in path:
            raise ToolRefused(f"path must be a non-empty string, not {path!r}")
        given = Path(path)
        if ".." in given.parts:
            raise ToolRefused(f"refused {path!r}: '..' is not allowed; use a path inside "
                              "the worktree")  # fmt: skip
        resolved = (self.worktree / given).resolve()
        if not resolved.is_relative_to(self.worktree):
            raise ToolRefused(f"refused {path!r}: it is outside the worktree {self.worktree}")
        return resolved

    def call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        """Run tool `name`; a refusal or failure is an error result, never an exception."""
        try:
            if name == "read_file":
                return ToolResult(_bounded(self.read_file(arguments.get("path"))))
            if name == "write_file":
                return ToolResult(self.write_file(arguments.get("path"), arguments.get("content")))
            if name == "list_dir":
                return ToolResult(_bounded(self.list_dir(arguments.get("path", "."))))
            if name == "run":
                return self.run(arguments.get("command"), arguments.get("timeout"))
            raise ToolRefused(f"no tool named {name!r}")
        except ToolRefused as error:
            return ToolResult(str(error), is_error=True)
        except (OSError, UnicodeError) as error:
            return ToolResult(f"{name} failed: {error}", is_error=True)

    def read_file(self, path: object) -> str:
        return self.confine(path).read_text(encoding="utf-8")

    def write_file(self, path: object, content: object) -> str:
        if not isinstance(content, str):
            raise ToolRefused("write_file needs `content`, a string")
        target = self.confine(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target = self.confine(path)  # again: a directory just made cannot be a symlink out
        target.write_text(content, encoding="utf-8")
        return f"wrote {len(content)} characters to {target.relative_to(self.worktree)}"

    def list_dir(self, path: object) -> str:
        folder = self.confine(path or ".")
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
        return "\n".join(f"{p.name}/" if p.is_dir() else p.name for p in entries
                         if p.name != ".git") or "(empty)"  # fmt: skip

    def run(self, command: object, timeout: object = None) -> ToolResult:
        if not isinstance(command, str) or not command.strip():
            raise ToolRefused("run needs `command`, a non-empty string")
        seconds = timeout if isinstance(timeout, int) and timeout > 0 else DEFAULT_COMMAND_TIMEOUT
        seconds = min(seconds, self.max_timeout)
        # Its own session: a timeout kills everything it started, and the signal that ends
        # this agent's tmux session does not cut short a `gt done` in flight.
        process = subprocess.Popen(
            ["/bin/sh", "-c", command], cwd=self.worktree, env=self.environ,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            output, _ = process.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            text = output.decode("utf-8", "replace")
            return ToolResult(_bounded(f"timed out after {seconds}s (killed)\n{text}"), True)
        text = output.decode("utf-8", "replace")
        return ToolResult(_bounded(f"exit code {process.returncode}\n{text}"),
                          is_error=process.returncode != 0)  # fmt: skip
