"""The simulated worker (DESIGN §5): a deterministic agent for demos and tests, no API key.

It behaves like a real agent in its pane: runs `gt prime`, reads its hook, walks its molecule
with `bd close --continue`, commits in its worktree and finishes with `gt done`. What it does is
set by the sling vars kept on the hooked bead, so a respawned session does the same:
`sim.mode` = ok | hang | crash | break-tests | help | conflict, `sim.edit=PATH:LINE:TEXT`,
`sim.step_delay=SECONDS`. Lines typed into its pane (nudges) are echoed as JSON strings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODES = ("ok", "hang", "crash", "break-tests", "help", "conflict")
# Steps where a worker changes code, in the formulas we ship (work and rework).
EDIT_STEPS = frozenset({"implement", "resolve-conflicts", "fix-gate", "follow-instructions"})


@dataclass(frozen=True)
class SimPlan:
    mode: str = "ok"
    edit: tuple[str, int, str] | None = None
    step_delay: float = 0.0


def plan_from_vars(values: dict[str, Any]) -> SimPlan:
    """The behaviour asked for by `sim.*` vars; bad values fall back to the defaults, loudly."""
    mode = str(values.get("sim.mode", "ok"))
    if mode not in MODES:
        print(f"sim: unknown sim.mode {mode!r}, using ok", flush=True)
        mode = "ok"
    edit = None
    spec = values.get("sim.edit")
    if isinstance(spec, str) and spec:
        path, _, rest = spec.partition(":")
        line, _, text = rest.partition(":")
        if path and line.isdigit() and int(line) > 0:
            edit = (path, int(line), text)
        else:
            print(f"sim: ignoring sim.edit {spec!r} (use PATH:LINE:TEXT)", flush=True)
    try:
        delay = max(0.0, float(values.get("sim.step_delay", 0) or 0))
    except ValueError:
        delay = 0.0
    return SimPlan(mode, edit, delay)


def run(*argv: str, check: bool = True) -> str:
    done = subprocess.run(list(argv), capture_output=True, text=True)
    if check and done.returncode != 0:
        print(f"sim: {' '.join(argv[:3])} failed ({done.returncode}): {done.stderr.strip()}",
              flush=True)  # fmt: skip
        raise SystemExit(done.returncode)
    return done.stdout


def echo_nudges() -> None:
    """Print every line typed into the pane, exactly, as a JSON string."""
    for line in sys.stdin:
        print(f"nudge received: {json.dumps(line.rstrip(chr(10)))}", flush=True)


def apply_edit(worktree: Path, bead: str, plan: SimPlan) -> str:
    """Make the change this bead's plan asks for; returns the path changed."""
    if plan.mode == "break-tests":
        target = worktree / f"test_sim_broken_{bead.replace('-', '_').replace('.', '_')}.py"
        target.write_text("def test_broken_by_sim():\n    assert False, 'sim broke the tests'\n")
        return target.name
    edit = plan.edit
    if edit is None and plan.mode == "conflict":
        edit = ("README.md", 1, f"edited by {bead}")
    if edit is None:
        target = worktree / "sim" / f"{bead}.txt"
        target.parent.mkdir(exist_ok=True)
        target.write_text(f"work for {bead}\n")
        return str(target.relative_to(worktree))
    path, line_number, text = edit
    target = worktree / path
    lines = target.read_text().splitlines() if target.exists() else []
    while len(lines) < line_number:
        lines.append("")
    lines[line_number - 1] = text
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n")
    return path


def commit_change(worktree: Path, bead: str, plan: SimPlan) -> None:
    changed = apply_edit(worktree, bead, plan)
    run("git", "add", "--all")
    if run("git", "status", "--porcelain"):
        run("git", "commit", "-q", "-m", f"{bead}: sim change to {changed}")


def catch_up_with_target(target: str) -> None:
    """A rework attempt: rebase the earlier commits onto the target; on a conflict, start over
    from the target (the edit is made again on top of it)."""
    if subprocess.run(["git", "rebase", "-q", target], capture_output=True).returncode != 0:
        run("git", "rebase", "--abort", check=False)
        run("git", "reset", "-q", "--hard", target)
        print(f"sim: rebase onto {target} conflicted; redoing the change on top of it", flush=True)


def wait_forever(reason: str) -> None:
    print(f"sim: {reason}", flush=True)
    while True:
        time.sleep(3600)


def main() -> int:
    bead = os.environ.get("GT_BEAD", "")
    worktree = Path.cwd()
    threading.Thread(target=echo_nudges, daemon=True).start()
    print(run("gt", "prime"), flush=True)
    context = json.loads(run("gt", "prime", "--json"))
    current = context.get("current")
    if current is None or current.get("id") != bead:
        wait_forever(f"{bead} is not the work on my hook")
        return 1
    metadata = {"vars": current.get("vars") or {}, "attempt": current.get("attempt"),
                "molecule": (context.get("molecule") or {}).get("id")}  # fmt: skip
    plan = plan_from_vars(metadata.get("vars") or {})
    molecule = metadata.get("molecule")
    print(f"sim: working on {bead} in mode {plan.mode}", flush=True)
    if plan.mode == "hang":
        wait_forever("hanging (no progress from here on)")
    if plan.mode == "help":
        run("gt", "escalate", "create", "-s", "MEDIUM", f"{bead}: the sim needs a decision",
            "--issue", bead, "--tried", "reading the bead twice")  # fmt: skip
        wait_forever("waiting for an answer")
    if int(metadata.get("attempt") or 1) > 1:
        catch_up_with_target(str(context.get("target") or "main"))
    steps = json.loads(run("bd", "mol", "current", str(molecule), "--json"))["steps"]
    step = next((s for s in steps if s["state"] == "current"), None)
    if step is None:
        step = next(s for s in steps if s["state"] == "ready")
        run("bd", "update", step["bead"], "--claim")
    edited = False
    walked = 0
    last = steps[-1]["bead"]  # the submit step: `gt done` closes it
    while step is not None and step["bead"] != last:
        time.sleep(plan.step_delay)
        if not edited and (step["step"] in EDIT_STEPS or step["bead"] == steps[-2]["bead"]):
            commit_change(worktree, bead, plan)
            edited = True
        walked += 1
        if plan.mode == "crash" and walked == 2:
            print("sim: crashing mid-work", flush=True)
            return 3
        progress = json.loads(run("bd", "close", step["bead"], "--continue", "--json"))
        next_id = progress.get("next")
        step = next((s for s in steps if s["bead"] == next_id), None)
    if not edited:
        commit_change(worktree, bead, plan)
    time.sleep(plan.step_delay)
    print(run("gt", "done"), flush=True)
    wait_forever("done; the session ends now")
    return 0


if __name__ == "__main__":
    sys.exit(main())
