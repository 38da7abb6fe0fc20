"""Every git call that talks to another repository goes through `runtime.git_network` (never
prompts, killed after `[git] network_timeout`): a hung remote must not hang the town. Checked
on the source: no `git_run`/`_run` call names a network subcommand.
"""

from __future__ import annotations

import ast
from pathlib import Path

import gastown_tui

NETWORK = {"clone", "fetch", "pull", "push", "ls-remote"}
LOCAL_RUNNERS = {"git_run", "_run"}


def _network_calls_without_timeout() -> list[str]:
    found = []
    for path in sorted(Path(gastown_tui.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            words = {arg.value for arg in node.args
                     if isinstance(arg, ast.Constant) and isinstance(arg.value, str)}  # fmt: skip
            if name in LOCAL_RUNNERS and words & NETWORK:
                found.append(f"{path.name}:{node.lineno}: {name}({', '.join(sorted(words))})")
    return found


def test_every_network_git_call_goes_through_git_network() -> None:
    assert _network_calls_without_timeout() == []
