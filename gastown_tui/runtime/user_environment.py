"""The environment a town's sessions and gates run in (DESIGN §5): the user's own, plus `gt`
and `bd`.

A rig's tests must run with the user's `python3`, pytest and tools, never with gt's own
interpreter. So a session's PATH is the PATH the user had when they ran `gt up` or `gt sling`,
with exactly one directory in front: `<town>/.runtime/bin/`, which holds `gt` and `bd` and
nothing else. Each is a symlink to gt's console script when that script's `#!` line names an
interpreter directly (the script then still runs with gt's venv python, whatever PATH says),
else a two-line `exec` wrapper around gt's interpreter. Nothing of gt's interpreter leaks in:
`VIRTUAL_ENV`, `PYTHONHOME` and the `PYTHONPATH` entries that point into gt's own venv are
dropped; the rest of the user's environment, their PATH included, is kept as it is.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

COMMAND_MODULES = {"gt": "gastown_tui.cli.gt_main", "bd": "gastown_tui.cli.bd_main"}
_INTERPRETER_KEYS = ("VIRTUAL_ENV", "PYTHONHOME")


def gt_venv() -> Path | None:
    """gt's own virtual environment, or None when gt runs from a plain interpreter."""
    return Path(sys.prefix) if sys.prefix != sys.base_prefix else None


def _inside(path: str, folder: Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False


def user_environment(environ: Mapping[str, str], command_links: Path) -> dict[str, str]:
    """`environ` (the user's) with `command_links` alone in front of PATH and gt's venv out."""
    environment = dict(environ)
    venv = gt_venv()
    if venv is not None:
        for key in _INTERPRETER_KEYS:
            if environment.get(key) and _inside(environment[key], venv):
                del environment[key]
        if environment.get("PYTHONPATH"):
            kept = [entry for entry in environment["PYTHONPATH"].split(os.pathsep)
                    if entry and not _inside(entry, venv)]  # fmt: skip
            if kept:
                environment["PYTHONPATH"] = os.pathsep.join(kept)
            else:
                del environment["PYTHONPATH"]
    links = str(command_links)
    # A session started from inside another (the daemon's respawns) already has it in front.
    entries = [entry for entry in environment.get("PATH", "").split(os.pathsep)
               if entry and entry.rstrip("/") != links.rstrip("/")]  # fmt: skip
    environment["PATH"] = os.pathsep.join([links, *entries])
    return environment


def _direct_interpreter(script: Path) -> bool:
    """True when `script` starts with `#!/absolute/python` and that interpreter exists: a
    symlink to it then runs it with that interpreter (pip's `/bin/sh` trampoline for long paths
    and anything unusual get a wrapper instead)."""
    try:
        with script.open("rb") as handle:
            first = handle.readline(4096)
    except OSError:
        return False
    if not first.startswith(b"#!"):
        return False
    parts = first[2:].strip().split()
    if len(parts) != 1:
        return False
    interpreter = Path(os.fsdecode(parts[0]))
    return (interpreter.is_absolute() and "python" in interpreter.name
            and os.access(interpreter, os.X_OK))  # fmt: skip


def wrapper_text(module: str) -> str:
    """A tiny script that runs `python -m module` with gt's interpreter."""
    return f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m {module} "$@"\n'


def ensure_command_links(folder: Path) -> None:
    """Make `folder` hold `gt` and `bd` (idempotent; safe when several processes race)."""
    folder.mkdir(parents=True, exist_ok=True)
    scripts = Path(sys.executable).parent
    for name, module in COMMAND_MODULES.items():
        path = folder / name
        script = scripts / name
        temporary = folder / f".{name}.{os.getpid()}.tmp"
        if script.is_file() and _direct_interpreter(script):
            if path.is_symlink() and os.readlink(path) == str(script):
                continue
            temporary.unlink(missing_ok=True)
            temporary.symlink_to(script)
        else:
            text = wrapper_text(module)
            if not path.is_symlink() and path.is_file() and path.read_text() == text:
                continue
            temporary.unlink(missing_ok=True)
            temporary.write_text(text)
            temporary.chmod(0o755)
        os.replace(temporary, path)
