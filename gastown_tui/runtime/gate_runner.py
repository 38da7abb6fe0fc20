"""Running a rig's gate (setup, lint, test) in its own process group, with a timeout.

The gate's process group is recorded in a file while it runs, so a Refinery restarted after a
crash can kill whatever its predecessor left behind (DESIGN §6). A process id is reused once its
process is gone, so the record also holds the group leader's identity taken at spawn: the boot,
its start time (from /proc, in clock ticks since boot) and its command line. A group is killed
only when its leader still matches all three, or when the leader is gone: Linux never hands out
the id of a process group that still has members, so those members can only be ours. A record
without an identity (an older one, or a system without /proc) is left alone: better a leftover
gate than a stranger killed.
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
from typing import Any

OUTPUT_LIMIT = 20_000


# The shell's "found but not executable" and "not found": the gate never ran.
CANNOT_START_CODES = (126, 127)


@dataclass(frozen=True)
class GateResult:
    name: str
    passed: bool
    exit_code: int | None
    output: str  # the tail of stdout and stderr together
    timed_out: bool
    seconds: float
    spawn_failed: bool = False  # not even the shell could start (no /bin/sh, no directory)

    @property
    def cannot_start(self) -> bool:
        """The gate's program is missing or not executable: no verdict on the code."""
        return self.spawn_failed or self.exit_code in CANNOT_START_CODES

    @property
    def inconclusive(self) -> bool:
        """Neither pass nor fail: it could not start, or it ran out of time."""
        return self.cannot_start or self.timed_out


def kill_group(pgid: int) -> bool:
    """SIGKILL a process group; False when it was already gone."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    return True


_PROC = Path("/proc")


def _boot_id() -> str | None:
    try:
        return (_PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def process_identity(pid: int) -> dict[str, Any] | None:
    """(boot, start time, command line) of process `pid`, or None when there is no such
    process (or no /proc to ask)."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
        argv = (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces and ')': skip past it.
    fields = stat[stat.rindex(")") + 2 :].split()
    return {
        "boot": _boot_id(),
        "state": fields[0],
        "start_time": int(fields[19]),
        "cmdline": [part.decode("utf-8", "replace") for part in argv.split(b"\0")[:-1]],
    }


def still_ours(group: dict[str, Any]) -> bool:
    """Whether the recorded group `group` ({pgid, boot, start_time, cmdline}) may be killed."""
    if not isinstance(group.get("pgid"), int) or group.get("start_time") is None:
        return False
    if group.get("boot") is None or group.get("boot") != _boot_id():
        return False  # another boot (nothing of it survives), or no /proc to tell
    leader = process_identity(group["pgid"])
    if leader is None:
        return True  # the leader is gone; what is left in its group can only be ours
    if leader["start_time"] != group["start_time"]:
        return False  # the id went to another process since
    # A zombie leader (exited, not yet reaped) has lost its command line, not its identity.
    return bool(leader["state"] == "Z" or leader["cmdline"] == group["cmdline"])


def kill_leftovers(record: Path) -> list[int]:
    """Kill the process groups listed in `record` (a crashed run's gates) that are still ours,
    and remove it; returns the groups killed."""
    if not record.exists():
        return []
    try:
        groups = json.loads(record.read_text()).get("groups", [])
    except (ValueError, OSError, AttributeError):
        groups = []
    ours = [group["pgid"] for group in groups if isinstance(group, dict) and still_ours(group)]
    killed = [pgid for pgid in ours if kill_group(pgid)]
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
    argv = ["/bin/sh", "-c", command]
    try:
        process = subprocess.Popen(
            argv, cwd=cwd, env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    except OSError as error:
        return GateResult(name, False, None, f"cannot start {argv[0]} in {cwd}: {error}", False,
                          time.monotonic() - started, spawn_failed=True)  # fmt: skip
    temporary = record.with_suffix(".tmp")
    # Read while the leader is our unreaped child: its id cannot have been reused yet.
    identity = process_identity(process.pid) or {}
    group = {"pgid": process.pid, "boot": identity.get("boot"),
             "start_time": identity.get("start_time"), "cmdline": argv}  # fmt: skip
    temporary.write_text(json.dumps({"groups": [group], "gate": name, "cwd": str(cwd)}))
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
