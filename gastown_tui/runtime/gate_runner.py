"""Running a rig's gate (setup, lint, test) in its own process group, with a timeout.

The gate's process group id is recorded in a file while it runs, so a Refinery restarted after
a crash can kill whatever its predecessor left behind (DESIGN §6).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

OUTPUT_LIMIT = 20_000


@dataclass(frozen=True)
class GateResult:
    name: str
    passed: bool
    exit_code: int | None
    output: str  # the tail of stdout and stderr together
    timed_out: bool
    seconds: float


def kill_group(pgid: int) -> bool:
    """SIGKILL a process group; False when it was already gone."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    return True


def kill_leftovers(record: Path) -> list[int]:
    """Kill the process groups listed in `record` (a crashed run's gates) and remove it."""
    if not record.exists():
        return []
    try:
        groups = [int(g) for g in json.loads(record.read_text()).get("pgids", [])]
    except (ValueError, OSError, AttributeError):
        groups = []
    killed = [g for g in groups if kill_group(g)]
    record.unlink(missing_ok=True)
    return killed


def run_gate(
    name: str,
    command: str,
    cwd: Path,
    timeout: float,
    record: Path,
    env: Mapping[str, str] | None = None,
) -> GateResult:
    """Run `command` (a shell command from rig.toml, operator-written) in `cwd`."""
    started = time.monotonic()
    record.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        ["/bin/sh", "-c", command], cwd=cwd, env=dict(env) if env is not None else None,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    temporary = record.with_suffix(".tmp")
    temporary.write_text(json.dumps({"pgids": [process.pid], "gate": name, "cwd": str(cwd)}))
    temporary.replace(record)
    timed_out = False
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(process.pid)
        output, _ = process.communicate()
    finally:
        kill_group(process.pid)  # anything the gate left running in its group
        record.unlink(missing_ok=True)
    text = output.decode("utf-8", "replace")[-OUTPUT_LIMIT:]
    if timed_out:
        text += f"\n(gate {name} timed out after {timeout:g}s)"
    code = None if timed_out else process.returncode
    return GateResult(name, code == 0, code, text, timed_out, time.monotonic() - started)
