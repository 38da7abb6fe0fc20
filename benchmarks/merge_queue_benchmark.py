"""Merge queue throughput (issue 5): MRs landed per minute, sequential vs batch mode.

    python benchmarks/merge_queue_benchmark.py                    # 20 MRs, the 7th bad, 5 s gate
    python benchmarks/merge_queue_benchmark.py --gate-seconds 1   # a quick smoke run
    python benchmarks/merge_queue_benchmark.py --json

Each mode (sequential, `merge_queue.batch = 1`; then batch, `--batch N`) gets a fresh town in a
temporary directory: a rig whose only gate sleeps `--gate-seconds` and fails when a file `BAD` is
in the tree, `--mrs` work beads with one branch each in repo.git (each adds its own file; the
`--bad`th also adds `BAD`) and as many `queued` MR beads, filed in one transaction the way
`gt done` files them, in score order 1..N. Then `Refinery(town, rig).run(once=True)` is timed.

Every gate run appends a line to a log outside the worktree, so the runs are counted, and the
trace shows which MR sat at the tip of each (`✗` = red; 0 = the target before any MR). After each
mode the result is checked: one commit on main per good MR, in queue order, each naming its bead;
the bad MR never on main. The bad MR comes from a crew member: `send_back` starts a fresh agent
session only for a polecat, and that (a real tmux session) must not run inside the timed window.

Exit status 0 only if both modes are correct and batch mode lands >= 3x as many MRs per minute.

The script is over 300 lines because it builds a real town, runs both modes and checks each
result end to end.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from run_benchmarks import machine

from gastown_tui.core import events as ev
from gastown_tui.core import merge_queue as mq
from gastown_tui.core.addresses import crew_address, polecat_address
from gastown_tui.core.rig_settings import Gate, rig_toml_text
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.agents import agent_id
from gastown_tui.town.refinery.merger import Refinery
from gastown_tui.town.refinery.queue_runner import run_refinery
from gastown_tui.town.setup.install import install_town
from gastown_tui.town.setup.rigs import add_rig
from gastown_tui.town.town import Town
from gastown_tui.town.work.work_sessions import branch_for

RIG = "bench"
ACTOR = "benchmark"
GOAL = 3.0
IDENTITY = {"GIT_AUTHOR_NAME": "Benchmark", "GIT_AUTHOR_EMAIL": "benchmark@gastown.local",
            "GIT_COMMITTER_NAME": "Benchmark", "GIT_COMMITTER_EMAIL": "benchmark@gastown.local",
            "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
            "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}  # fmt: skip


@dataclass(frozen=True)
class Scenario:
    gate_seconds: float
    mrs: int
    bad: int  # 1-based position of the bad MR in the queue; 0 for none


@dataclass(frozen=True)
class Request:
    number: int
    bead: str
    mr: str
    worker: str


@dataclass
class ModeResult:
    mode: str
    batch: int
    seconds: float
    landed: int
    sent_back: int
    gate_runs: int
    red_runs: int
    trace: str
    problems: list[str] = field(default_factory=list)

    @property
    def per_minute(self) -> float:
        return 60 * self.landed / self.seconds


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          env={**os.environ, **IDENTITY})  # fmt: skip
    return done.stdout.strip()


def gate_command(log: Path, seconds: float) -> str:
    """Red when `BAD` is in the tree; one line per run: verdict, commit, subject."""
    return (f'if [ -e BAD ]; then r=red; else r=green; fi; '
            f'printf "%s %s\\n" "$r" "$(git log -1 --format="%H %s")" >> {shlex.quote(str(log))}; '
            f'sleep {seconds:g}; [ "$r" = green ]')  # fmt: skip


def build_town(
    root: Path, scenario: Scenario, batch: int, probes: int, log: Path
) -> tuple[Town, list[Request]]:
    source = root / "source"
    source.mkdir()
    git(source, "init", "--quiet", "-b", "main")
    (source / "README.md").write_text("A repository for the merge queue benchmark.\n")
    git(source, "add", "README.md")
    git(source, "commit", "--quiet", "-m", "initial")
    town = Town(install_town(root / "town", "bench", "default", ACTOR))
    gate = Gate("test", gate_command(log, scenario.gate_seconds), int(scenario.gate_seconds) + 60)
    settings = add_rig(town, RIG, str(source), prefix=RIG, gates={"test": gate}, runtime=None,
                       actor=ACTOR)  # fmt: skip
    town.paths.rig_toml(RIG).write_text(
        rig_toml_text(replace(settings, batch=batch, parallel_probes=probes))
    )
    town.forget_rigs()
    workers = [
        crew_address(RIG, "ghost") if n == scenario.bad else polecat_address(RIG, f"p{n:02d}")
        for n in range(1, scenario.mrs + 1)
    ]
    with write_transaction(town.store, ACTOR) as tx:
        beads = []
        for n, worker in enumerate(workers, start=1):
            bead = tx.new_id(f"bench change {n}", prefix=RIG)
            ts = tx.stamp()
            tx.emit(ev.CREATE, bead, {"record": {
                "id": bead, "title": f"Benchmark change {n:02d}", "status": "hooked",
                "priority": 2, "issue_type": "task", "assignee": worker, "created_at": ts,
                "created_by": ACTOR, "updated_at": ts, "metadata": {"rig": RIG, "attempt": 1},
            }}, ts)  # fmt: skip
            beads.append(bead)
    repository = town.paths.repo_git(RIG)
    scratch = root / "scratch"
    git(repository, "worktree", "add", "--quiet", "--detach", str(scratch), "main")
    branches, commits = [], []
    for n, (bead, worker) in enumerate(zip(beads, workers, strict=True), start=1):
        branches.append(branch_for(worker.rsplit("/", 1)[1], bead, 1))
        git(scratch, "checkout", "--quiet", "-B", branches[-1], "main")
        (scratch / "changes").mkdir(exist_ok=True)
        (scratch / "changes" / f"change-{n:02d}.txt").write_text(f"change {n} for {bead}\n")
        if n == scenario.bad:
            (scratch / "BAD").write_text("this change breaks the tests\n")
        git(scratch, "add", "--all")
        git(scratch, "commit", "--quiet", "-m", f"{bead}: change {n:02d}")
        commits.append(git(scratch, "rev-parse", "HEAD"))
    git(repository, "worktree", "remove", "--force", str(scratch))
    requests = []
    refinery = f"{RIG}/refinery"
    with write_transaction(town.store, ACTOR) as tx:  # what `gt done` files, one MR per bead
        for n, (bead, worker, branch, commit) in enumerate(
            zip(beads, workers, branches, commits, strict=True), start=1
        ):
            mr = tx.new_id(f"mr|{bead}|1", infix="mr", prefix=RIG)
            ts = tx.stamp()  # strictly increasing: the score order is 1..N
            tx.emit(ev.CREATE, mr, {"record": {
                "id": mr, "title": f"Merge: {bead} Benchmark change {n:02d}", "status": "open",
                "priority": 2, "issue_type": "merge-request", "assignee": refinery,
                "created_at": ts, "created_by": worker, "updated_at": ts,
                "metadata": {"branch": branch, "target": "main", "source_issue": bead,
                             "rig": RIG, "worker": worker,
                             "agent_bead": agent_id(RIG, worker.rsplit("/", 1)[1]),
                             "commit_sha": commit, "attempt": 1, "state": mq.QUEUED,
                             "submitted_at": ts},
            }}, ts)  # fmt: skip
            tx.emit("done", bead, {
                "set": {"status": "in_progress", "assignee": refinery},
                "metadata": {"mr": mr, "branch": branch, "session": None, "done_at": ts,
                             "done_by": worker, "commit": commit},
                "bead": bead, "mr": mr, "exit": "MERGED", "branch": branch, "commit": commit,
                "agent": worker,
            })  # fmt: skip
            tx.emit("mq_submit", mr, {"mr": mr, "bead": bead, "agent": worker, "attempt": 1,
                                      "branch": branch})  # fmt: skip
            requests.append(Request(n, bead, mr, worker))
    return town, requests


def verify(town: Town, requests: list[Request], scenario: Scenario) -> list[str]:
    """What is wrong with the outcome: one commit per good MR in queue order, the bad one absent."""
    problems = []
    good = [r for r in requests if r.number != scenario.bad]
    town.store.projection.catch_up()
    for request in requests:
        record = town.store.get(request.mr)
        state = mq.state_of(record) if record else "missing"
        wanted = mq.FAILED if request.number == scenario.bad else mq.MERGED
        if state != wanted:
            problems.append(f"MR {request.number} ({request.mr}) is {state}, not {wanted}")
    repository = town.paths.repo_git(RIG)
    root = git(repository, "rev-list", "--max-parents=0", "main")
    log = git(repository, "log", "--reverse", "--format=%s%x1f%b%x1e", f"{root}..main")
    commits = [entry.strip().split("\x1f") for entry in log.split("\x1e") if entry.strip()]
    named = [subject.split(":", 1)[0] for subject, _ in commits]
    if named != [r.bead for r in good]:
        problems.append(f"main has {len(commits)} commits naming {named}, expected the "
                        f"{len(good)} good beads in queue order")  # fmt: skip
    for (_, body), request in zip(commits, good, strict=False):
        if f"{mq.TRAILER}: {request.mr}" not in body:
            problems.append(f"the commit of MR {request.number} lacks its trailer")
    if "BAD" in git(repository, "ls-tree", "-r", "--name-only", "main").splitlines():
        problems.append("BAD reached main")
    return problems


def run_mode(scenario: Scenario, batch: int, probes: int = 1) -> ModeResult:
    mode = "sequential" if batch == 1 else f"batch (N = {batch}, probes {probes})"
    with tempfile.TemporaryDirectory(prefix="gt-merge-queue-") as temporary:
        root = Path(temporary)
        log = root / "gate-runs.log"
        town, requests = build_town(root, scenario, batch, probes, log)
        try:
            refinery = Refinery(town, RIG)
            started = time.perf_counter()
            outcomes = run_refinery(refinery, once=True)
            seconds = time.perf_counter() - started
            problems = verify(town, requests, scenario)
        finally:
            town.close()
        runs = log.read_text().splitlines() if log.exists() else []
    number = {r.bead: r.number for r in requests}
    trace = []
    for line in runs:
        verdict, _, subject = line.split(" ", 2)
        trace.append(str(number.get(subject.split(":", 1)[0], 0)) + ("✗" * (verdict == "red")))
    landed = sum(1 for outcome in outcomes if outcome.result == "merged")
    return ModeResult(mode, batch, seconds, landed, len(outcomes) - landed, len(runs),
                      sum(1 for line in runs if line.startswith("red ")), " ".join(trace),
                      problems)  # fmt: skip


def _other(seconds: float) -> str:
    """Wall time outside the gates; negative means gates ran side by side (parallel probes)."""
    return f"{seconds:.1f} s" if seconds >= 0 else "(gates overlapped)"


def table(results: list[ModeResult], gate_seconds: float) -> str:
    header = ("mode", "landed", "sent back", "wall time", "MRs/min", "gate runs", "red",
              "in gates", "other")  # fmt: skip
    rows = [header] + [
        (r.mode, str(r.landed), str(r.sent_back), f"{r.seconds:.1f} s", f"{r.per_minute:.2f}",
         str(r.gate_runs), str(r.red_runs), f"{r.gate_runs * gate_seconds:.0f} s",
         _other(r.seconds - r.gate_runs * gate_seconds))
        for r in results
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
             for row in rows]  # fmt: skip
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Merge queue: sequential vs batch mode.")
    parser.add_argument("--gate-seconds", type=float, default=5.0, help="how long the gate runs")
    parser.add_argument("--mrs", type=int, default=20, help="queued merge requests")
    parser.add_argument("--bad", type=int, default=7, help="position of the bad MR (0: none)")
    parser.add_argument("--batch", type=int, default=5, help="N for batch mode")
    parser.add_argument(
        "--parallel-probes",
        type=int,
        default=0,
        help="merge_queue.parallel_probes for the batch runs (default: both 1 and N, side by side)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)
    if args.mrs < 1 or not 0 <= args.bad <= args.mrs or args.batch < 2 or args.gate_seconds < 0:
        parser.error("need --mrs >= 1, 0 <= --bad <= --mrs, --batch >= 2, --gate-seconds >= 0")
    scenario = Scenario(args.gate_seconds, args.mrs, args.bad)
    info = machine()
    info["git"] = git(Path.cwd(), "--version")
    results = []
    probe_settings = [args.parallel_probes] if args.parallel_probes else [1, args.batch]
    for batch, probes in [(1, 1), *((args.batch, p) for p in probe_settings)]:
        print(f"== batch = {batch}, parallel_probes = {probes} ==", file=sys.stderr, flush=True)
        results.append(run_mode(scenario, batch, probes))
        print(f"   {results[-1].seconds:.1f} s", file=sys.stderr, flush=True)
    sequential, batched = results[0], max(results[1:], key=lambda r: r.per_minute)
    ratio = batched.per_minute / sequential.per_minute
    correct = not any(r.problems for r in results)
    met = ratio >= GOAL
    if args.json:
        print(json.dumps({
            "machine": info, "scenario": asdict(scenario), "ratio": ratio, "goal": GOAL,
            "goal_met": met, "correct": correct,
            "modes": [{**asdict(r), "per_minute": r.per_minute} for r in results],
        }, indent=2, ensure_ascii=False))  # fmt: skip
    else:
        print(table(results, args.gate_seconds))
        print(f"\nbatch / sequential: {ratio:.2f}x (goal >= {GOAL:g}x: "
              f"{'met' if met else 'NOT met'})")  # fmt: skip
        for r in results:
            print(f"- {r.mode} gate runs (MR at the tip): {r.trace}")
            print(f"  check: {'; '.join(r.problems) or 'ok, one commit per good MR, BAD absent'}")
        print("- machine: " + "; ".join(f"{key} {value}" for key, value in info.items()))
    return 0 if correct and met else 1


if __name__ == "__main__":
    sys.exit(main())
