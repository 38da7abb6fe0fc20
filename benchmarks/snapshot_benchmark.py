"""`town_snapshot()` on a busy town: 30 polecats working in real tmux sessions, 10,000 open beads.

    python benchmarks/snapshot_benchmark.py            # 30 polecats, 10,000 open beads
    python benchmarks/snapshot_benchmark.py --polecats 60 --beads 50000

Builds a town in a temporary directory through the engine (three rigs, 30 polecats each with
a hooked bead and a live tmux session on a private socket, 10,000 open beads, 60 merge requests,
20 escalations, 5 convoys), then times `town_snapshot()` with the projection warm: the median of
50 runs, and apart, the one batched tmux call (`list-panes -a`) it makes. Target: < 20 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gastown_tui.core import events as ev
from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.agents import create_agent
from gastown_tui.town.read_model.snapshot import town_snapshot
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.setup.install import install_town
from gastown_tui.town.setup.rigs import add_rig
from gastown_tui.town.town import Town
from gastown_tui.town.town_paths import TownPaths

RIGS = ("alpha", "bravo", "charlie")
TARGET_MS = 20.0


def _source(folder: Path, env: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    (folder / "README.md").write_text("bench\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True)
    return folder


def build(root: Path, polecats: int, beads: int, env: dict[str, str]) -> Town:
    install_town(root / "town", "bench", "test", "overseer")
    town = Town(TownPaths(root / "town"), environ=env)
    for name in RIGS:
        add_rig(
            town,
            name,
            str(_source(root / f"src-{name}", env)),
            prefix=name[:2],
            gates={},
            runtime="sim",
            actor="overseer",
        )
    rigs = list(town.rigs().values())
    with write_transaction(town.store, "overseer") as tx:
        items = []
        ts = tx.stamp()
        for number in range(beads):
            rig = rigs[number % len(rigs)]
            bead_id = f"{rig.prefix}-b{number:05d}"
            items.append(
                (
                    ev.CREATE,
                    bead_id,
                    {
                        "record": {
                            "id": bead_id,
                            "title": f"Open work {number}",
                            "status": "open",
                            "priority": number % 4,
                            "issue_type": "task",
                            "created_at": ts,
                            "updated_at": ts,
                            "metadata": {"rig": rig.name},
                        }
                    },
                )
            )
        tx.emit_many(items)
    with write_transaction(town.store, "overseer") as tx:
        for number in range(polecats):
            rig: RigSettings = rigs[number % len(rigs)]
            name = f"cat{number:02d}"
            record = create_agent(tx, rig, name, "polecat", "sim")
            address = record["metadata"]["address"]
            session = polecat_session(rig.prefix, name)
            bead_id = f"{rig.prefix}-b{number:05d}"
            tx.emit(
                "sling",
                bead_id,
                {
                    "set": {"status": "hooked", "assignee": address},
                    "metadata": {"session": session, "started_at": ts},
                },
            )
        for number in range(60):
            rig = rigs[number % len(rigs)]
            mr = f"{rig.prefix}-mr{number:03d}"
            tx.emit(
                ev.CREATE,
                mr,
                {
                    "record": {
                        "id": mr,
                        "title": f"Merge {number}",
                        "status": "open",
                        "priority": 2,
                        "issue_type": "merge-request",
                        "created_at": ts,
                        "updated_at": ts,
                        "metadata": {
                            "rig": rig.name,
                            "state": "queued",
                            "source_issue": f"{rig.prefix}-b{number:05d}",
                            "submitted_at": ts,
                        },
                    }
                },
            )
        for number in range(20):
            esc = f"hq-esc{number:02d}"
            tx.emit(
                ev.CREATE,
                esc,
                {
                    "record": {
                        "id": esc,
                        "title": f"Help {number}",
                        "status": "open",
                        "priority": 1,
                        "issue_type": "escalation",
                        "created_at": ts,
                        "updated_at": ts,
                        "metadata": {
                            "severity": "HIGH",
                            "agent": "alpha/polecats/cat00",
                            "problem": "stuck",
                            "tried": "things",
                        },
                    }
                },
            )
        for number in range(5):
            convoy = f"hq-cv{number}"
            tx.emit(
                ev.CREATE,
                convoy,
                {
                    "record": {
                        "id": convoy,
                        "title": f"Convoy {number}",
                        "status": "open",
                        "priority": 2,
                        "issue_type": "convoy",
                        "created_at": ts,
                        "updated_at": ts,
                    }
                },
            )
            for member in range(10):
                target = f"{rigs[member % 3].prefix}-b{1000 + number * 10 + member:05d}"
                tx.emit(
                    ev.DEP_ADD,
                    convoy,
                    {"dependency": {"issue_id": convoy, "depends_on_id": target, "type": "tracks"}},
                )
    for number in range(polecats):
        rig = rigs[number % len(rigs)]
        town.tmux.new_session(
            polecat_session(rig.prefix, f"cat{number:02d}"),
            str(root),
            {"PATH": env["PATH"]},
            ["sleep", "3600"],
        )
    return town


def timed(action: object, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polecats", type=int, default=30)
    parser.add_argument("--beads", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gt-snapbench-") as folder:
        root = Path(folder)
        env = dict(os.environ)
        env.update(
            {
                "GT_TMUX_SOCKET": f"gt-bench-{os.getpid()}",
                "GIT_AUTHOR_NAME": "b",
                "GIT_AUTHOR_EMAIL": "b@b",
                "GIT_COMMITTER_NAME": "b",
                "GIT_COMMITTER_EMAIL": "b@b",
            }
        )
        os.environ.update(env)
        print(f"building: {args.polecats} polecats, {args.beads} open beads …", file=sys.stderr)
        town = build(root, args.polecats, args.beads, env)
        try:
            snapshot = town_snapshot(town)
            assert snapshot.degraded == (), snapshot.degraded
            working = snapshot.counts.working
            assert working == args.polecats, f"{working} of {args.polecats} polecats working"
            whole = timed(lambda: town_snapshot(town), args.runs)
            tmux = timed(town.tmux.panes, args.runs)
        finally:
            town.tmux.kill_server()
            town.close()
    median, tmux_median = statistics.median(whole), statistics.median(tmux)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}"
    )
    print(
        f"town_snapshot: median {median:.1f} ms, p90 {sorted(whole)[int(0.9 * len(whole))]:.1f} ms "
        f"(of which tmux list-panes: median {tmux_median:.1f} ms) — target < {TARGET_MS:.0f} ms: "
        f"{'pass' if median < TARGET_MS else 'FAIL'}"
    )
    return 0 if median < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
