"""A restarted Refinery kills the gates its crashed predecessor left, and nothing else: a
recorded process group whose id now belongs to an unrelated process is left alone.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from town_fixtures import eventually

from gastown_tui.runtime.gate_runner import kill_leftovers

CRASHING_REFINERY = (
    "import sys\nfrom pathlib import Path\nfrom gastown_tui.runtime.gate_runner import run_gate\n"
    "run_gate('test', sys.argv[1], Path(sys.argv[2]), 120, Path(sys.argv[3]))\n"
)


def alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped by whoever adopted it, counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.split(")")[-1].split()[0] != "Z"


def leftover_gate(tmp_path: Path) -> tuple[int, Path]:
    """A gate started by a refinery that was then SIGKILLed: (its pgid, its record)."""
    pid_file, record = tmp_path / "gate.pid", tmp_path / "demo.gates.json"
    refinery = subprocess.Popen(
        [sys.executable, "-c", CRASHING_REFINERY, f"echo $$ > {pid_file}; sleep 120",
         str(tmp_path), str(record)],
    )  # fmt: skip
    eventually(lambda: record.exists() and pid_file.exists() and pid_file.read_text().strip(),
               what="the gate")  # fmt: skip
    refinery.send_signal(signal.SIGKILL)
    refinery.wait(timeout=30)
    return int(pid_file.read_text()), record


def test_a_recorded_group_id_reused_by_an_unrelated_process_is_not_killed(tmp_path: Path) -> None:
    gate, record = leftover_gate(tmp_path)
    stranger = subprocess.Popen(["sleep", "120"], start_new_session=True)
    try:
        # As if the gate had ended long ago and its id had gone to `stranger`.
        reused = tmp_path / "reused.gates.json"
        reused.write_text(re.sub(rf"\b{gate}\b", str(stranger.pid), record.read_text()))
        assert kill_leftovers(reused) == []
        assert alive(stranger.pid) and not reused.exists()
        # The genuine leftover is still ours: killed, group and all.
        assert kill_leftovers(record) == [gate]
        eventually(lambda: not alive(gate), what="the leftover gate to die")
        assert not record.exists()
    finally:
        stranger.kill()
        stranger.wait()
        if alive(gate):
            os.killpg(gate, signal.SIGKILL)
