"""CV benchmark (issue 14): load a town's history from its log and compute every CV.

The history is the test's generator (`tests/cv_history.py`, seeded): 2,000 tasks across 30
agents by default, written as a real Beads log (about 12,800 events) with its projection built.
Timed: a cold read (a fresh log reader: the log is scanned, tasks derived, labels read from the
projection, every agent's and every model's CV computed), and a warm one (nothing appended: the
tasks are reused, the figures computed again). Target: cold < 1 s at 2,000 tasks. A 10x history
shows how it grows.

    .venv/bin/python benchmarks/cv_benchmark.py [--tasks 2000] [--agents 30] [--repeat 5]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from cv_history import generate_specs, write_history

from gastown_tui.town.cv import agent_cvs, log_events

TARGET_SECONDS = 1.0


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return (f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")  # fmt: skip


def forget() -> None:
    """A cold start: no shared log reader, no derived tasks."""
    log_events._READERS.clear()
    agent_cvs._tasks_cache.clear()
    agent_cvs._cvs_cache.clear()


def measure(tasks: int, agents: int, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="cvbench") as folder:
        specs = generate_specs(tasks=tasks, count=agents)
        town = write_history(Path(folder) / "town", specs)
        town.store.projection.catch_up()  # the projection is built once, outside the timing
        log = town.paths.beads / "events.jsonl"
        events = sum(1 for _ in log.open("rb"))
        cold, warm = [], []
        for _ in range(repeat):
            forget()
            start = time.perf_counter()
            cvs = agent_cvs.town_cvs(town)
            cold.append(time.perf_counter() - start)
            agent_cvs._cvs_cache.clear()  # warm: the tasks are kept, the figures computed again
            start = time.perf_counter()
            agent_cvs.town_cvs(town)
            warm.append(time.perf_counter() - start)
        assert len(cvs.tasks) >= tasks and len(cvs.agents) == agents + 1
        town.close()
        return {"tasks": tasks, "events": events, "cold": statistics.median(cold),
                "warm": statistics.median(warm)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--agents", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print("| tasks | events | cold: read + compute (median) | warm: compute again | target |")
    print("|---|---|---|---|---|")
    ok = True
    for size in (args.tasks, args.tasks * 10):
        result = measure(size, args.agents, args.repeat)
        target = f"< {TARGET_SECONDS:g} s" if size == args.tasks else "(scale)"
        if size == args.tasks:
            ok = result["cold"] < TARGET_SECONDS
        print(f"| {size:,} | {int(result['events']):,} | {result['cold'] * 1000:.0f} ms | "
              f"{result['warm'] * 1000:.0f} ms | {target} |")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
