"""`gt rig add` tries the rig's gates once (DESIGN §6), so a gate that cannot start or a source
that is already red shows up when the rig is added, not as the first MR's mystery.

Each gate runs on the source's default branch, in a temporary worktree of repo.git, in the
user's environment (as the Refinery runs it), and is reported as passes, fails (with its first
failing line) or cannot start (exit 126/127, no shell, or out of time). The rig is added either
way: the report is advice.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from gastown_tui.core.merge_queue import first_failing_line
from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.runtime.gate_runner import GateResult, run_gate
from gastown_tui.runtime.git_repo import git_run
from gastown_tui.town.town import Town

PASSES, FAILS, CANNOT_START = "passes", "fails", "cannot start"
OUTPUT_TAIL = 2000


@dataclass(frozen=True)
class GateCheck:
    """One gate's verdict on the default branch."""

    gate: str
    command: str
    result: str  # passes | fails | cannot start
    exit_code: int | None
    first_failing_line: str | None
    output: str  # the tail of what it printed

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def verdict(result: GateResult) -> str:
    if result.passed:
        return PASSES
    return CANNOT_START if result.inconclusive else FAILS


def check_gates(town: Town, rig: RigSettings) -> list[GateCheck]:
    """Run each of `rig`'s gates once on its default branch; one GateCheck per gate."""
    if not rig.gates:
        return []
    repository = town.paths.repo_git(rig.name)
    folder = Path(tempfile.mkdtemp(prefix=f"gt-gate-check-{rig.name}-"))
    worktree = folder / rig.name
    record = town.paths.runtime / "refinery" / f"{rig.name}.check.gates.json"
    environment = town.gate_environment()
    checks = []
    try:
        git_run(repository, "worktree", "add", "--quiet", "--detach", str(worktree),
                rig.default_branch)  # fmt: skip
        for gate in rig.gates:
            result = run_gate(gate.name, gate.command, worktree, gate.timeout, record, environment)
            outcome = verdict(result)
            failing = first_failing_line(result.output) if outcome == FAILS else None
            checks.append(GateCheck(gate.name, gate.command, outcome, result.exit_code, failing,
                                    result.output[-OUTPUT_TAIL:]))  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        git_run(repository, "worktree", "prune")
    return checks


def check_line(check: GateCheck) -> str:
    """One line for the text report."""
    if check.result == PASSES:
        return f"gate {check.gate}: passes"
    if check.result == FAILS:
        return f"gate {check.gate}: fails: {check.first_failing_line}"
    last = check.output.strip().splitlines()[-1] if check.output.strip() else "(no output)"
    code = f"exit {check.exit_code}" if check.exit_code is not None else "no exit"
    return f"gate {check.gate}: cannot start ({code}): {last}"
