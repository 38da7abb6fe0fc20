"""The control room's feed on a 1,000,000-event town, against Toolong (`tl`) in the same run.

    python benchmarks/feed_benchmark.py                  # 1,000,000 events, all measurements
    python benchmarks/feed_benchmark.py --events 200000 --idle-seconds 20

Everything runs for real, each app in its own tmux server (private socket) in a 200x50 pane,
and "on screen" means `tmux capture-pane` shows it (polled every 10 ms):

- first paint: from launch until the newest event is on screen; `gt tui` on the town (its
  feed is newest first) and `tl` on the same events.jsonl (it opens at the tail). Ours is
  measured with the projection warm and the line index cold (what tl has), and with both warm
  (the index saved next to the projection by the previous open); cold = projection missing,
  with the time until the rebuild's progress leaves the header.
- RSS of `gt tui` at 1M events, once the feed has painted and the snapshot is up.
- append-to-screen: another process appends `create` events of fresh beads at 200/s (O_APPEND
  writes of whole lines, as the store does) and notes when each was written; the poller notes
  when each bead id first shows. Both use CLOCK_MONOTONIC, shared across processes.
- idle CPU: `gt tui` on a town with 30 polecats in live tmux sessions (the snapshot benchmark's
  town), CPU time of the app process over `--idle-seconds` (utime + stime from /proc).

The module is over 300 lines because it drives four measurements end to end (tmux panes, a
writer process, a 30-polecat town), one function each.

Toolong lives in its own venv under benchmarks/data (not a project dependency):
    python3 -m venv benchmarks/data/tl-venv && benchmarks/data/tl-venv/bin/pip install toolong
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from gastown_tui.town.setup.install import install_town
from gastown_tui.town.town import Town
from gastown_tui.town.town_paths import TownPaths

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
TL = DATA / "tl-venv" / "bin" / "tl"
WIDTH, HEIGHT = 200, 50
POLL = 0.01
RATE = 200  # appended events per second
APPEND_SECONDS = 10
PASSED = ("GT_TOWN", "TERM", "GT_TMUX_SOCKET", "PATH")


class Pane:
    """One program in its own tmux server."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.socket = f"feedbench-{os.getpid()}-{random.randrange(1 << 30)}"
        self.started = time.monotonic()
        self._tmux("new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT), "-c", str(cwd),
                   *(f"-e{k}={v}" for k, v in env.items() if k in PASSED),
                   " ".join(_quote(part) for part in command))  # fmt: skip
        self.pid = int(self._tmux("display-message", "-p", "#{pane_pid}").strip())

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True)
        return done.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p")

    def until(self, seen: Callable[[str], bool], limit: float) -> float:
        """Seconds from launch until `seen(screen)`; raises after `limit` seconds."""
        while time.monotonic() - self.started < limit:
            if seen(self.screen()):
                return time.monotonic() - self.started
            time.sleep(POLL)
        raise TimeoutError(f"not on screen after {limit:.0f} s:\n{self.screen()}")

    def close(self) -> None:
        self._tmux("kill-server")


def _quote(part: str) -> str:
    return "'" + part.replace("'", "'\\''") + "'"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def gt_tui(town: Path) -> list[str]:
    return [sys.executable, "-m", "gastown_tui.cli.gt_main", "tui"]


def environment(town: Path) -> dict[str, str]:
    return {**os.environ, "GT_TOWN": str(town), "TERM": "xterm-256color"}


# -- the 1M-event town ---------------------------------------------------------------------------


def big_town(events: int) -> tuple[Path, Path]:
    """A town whose log is its own setup events followed by `events` generated ones."""
    store = DATA / f"feed-store-{events}"
    if not (store / ".beads" / "events.jsonl").exists():
        command = [sys.executable, str(HERE / "generate_store.py"), "events"]
        sizes = ["--beads", str(events // 10), "--events", str(events)]
        subprocess.run([*command, *sizes, str(store)], check=True)
    root = DATA / f"feed-town-{events}"
    if not (root / "town.toml").exists():
        shutil.rmtree(root, ignore_errors=True)
        install_town(root, "feedbench", "test", "overseer")
        log = TownPaths(root).beads / "events.jsonl"
        with log.open("ab") as out, (store / ".beads" / "events.jsonl").open("rb") as source:
            shutil.copyfileobj(source, out, 16 * 1024 * 1024)
    return root, TownPaths(root).beads / "events.jsonl"


def warm_projection(root: Path) -> float:
    started = time.monotonic()
    town = Town(TownPaths(root), environ=dict(os.environ))
    town.open_store()
    town.close()
    return time.monotonic() - started


def newest(log: Path) -> dict[str, str]:
    with log.open("rb") as handle:
        handle.seek(-65536, os.SEEK_END)
        return json.loads(handle.read().rstrip(b"\n").rsplit(b"\n", 1)[-1])


def first_paint(command: list[str], cwd: Path, env: dict[str, str], text: str,
                limit: float = 600) -> tuple[float, Pane]:  # fmt: skip
    pane = Pane(command, cwd, env)
    return pane.until(lambda screen: text in screen, limit), pane


def cold_open(root: Path, log: Path, bead: str) -> dict[str, object]:
    beads = TownPaths(root).beads
    for path in beads.glob("beads.db*"):
        path.unlink()
    pane = Pane(gt_tui(root), root, environment(root))
    try:
        progress: list[str] = []

        def seen(screen: str) -> bool:
            lines = [line for line in screen.splitlines() if "rebuild" in line.lower()]
            if lines and (not progress or progress[-1] != lines[0].strip()):
                progress.append(lines[0].strip())
            return bead in screen

        paint = pane.until(seen, 900)
        pane.until(lambda screen: seen(screen) and bool(progress), 900)  # the rebuild showed

        def rebuilt(screen: str) -> bool:
            seen(screen)  # keeps noting the progress
            return "rebuild" not in screen.lower()

        ready = pane.until(rebuilt, 900)
        return {"feed_paint_s": round(paint, 3), "projection_ready_s": round(ready, 3),
                "progress_seen": progress[:3] + progress[-2:]}  # fmt: skip
    finally:
        pane.close()


# -- append-to-screen latency -------------------------------------------------------------------

WRITER = r"""
import json, os, random, sys, time
from datetime import UTC, datetime
from gastown_tui.core.ids import new_ulid
log, rate, seconds, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
rng = random.Random(7)
fd = os.open(log, os.O_WRONLY | os.O_APPEND)
written = []
start = time.monotonic()
for n in range(int(rate * seconds)):
    due = start + n / rate
    time.sleep(max(0.0, due - time.monotonic()))
    now = datetime.now(UTC)
    bead = f"lat-{n:05d}"
    ts = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    record = {"id": bead, "title": f"latency probe {n}", "status": "open", "priority": 2,
              "issue_type": "task", "created_at": ts, "updated_at": ts}
    line = {"v": 1, "id": new_ulid(now, rng), "ts": ts, "actor": "bench/writer", "op": "create",
            "bead": bead, "data": {"record": record}}
    os.write(fd, json.dumps(line, separators=(",", ":")).encode() + b"\n")
    written.append((bead, time.monotonic()))
json.dump(written, open(out, "w"))
"""


def append_latency(root: Path, log: Path) -> dict[str, object]:
    pane = Pane(gt_tui(root), root, environment(root))
    try:
        pane.until(lambda screen: newest(log)["bead"] in screen, 600)
        time.sleep(3)  # the snapshot is up, the index built and saved
        out = Path(tempfile.mkdtemp()) / "written.json"
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(log), str(RATE),
                                   str(APPEND_SECONDS), str(out)])  # fmt: skip
        first_seen: dict[str, float] = {}
        finished: float | None = None
        while finished is None or time.monotonic() < finished + 1.0:
            now = time.monotonic()
            for word in pane.screen().split():
                if word.startswith("lat-") and word not in first_seen:
                    first_seen[word] = now
            if finished is None and writer.poll() is not None:
                finished = now
            time.sleep(POLL)
        written = json.loads(out.read_text())
        delays = sorted((first_seen[b] - t) * 1000 for b, t in written if b in first_seen)
        missed = len(written) - len(delays)
        return {"events": len(written), "seen": len(delays), "missed_between_polls": missed,
                "p50_ms": round(statistics.median(delays), 1),
                "p99_ms": round(delays[int(len(delays) * 0.99) - 1], 1),
                "max_ms": round(delays[-1], 1)}  # fmt: skip
    finally:
        pane.close()


# -- idle CPU with 30 live polecats -------------------------------------------------------------


def idle_cpu(seconds: float) -> dict[str, object]:
    sys.path.insert(0, str(HERE))
    from snapshot_benchmark import build  # the 30-polecat town with live tmux sessions

    with tempfile.TemporaryDirectory() as folder:
        socket = f"feedidle-{os.getpid()}"
        git = {f"GIT_{who}_{what}": "b" for who in ("AUTHOR", "COMMITTER")
               for what in ("NAME", "EMAIL")}  # fmt: skip
        env = {**os.environ, "GT_TMUX_SOCKET": socket, **git}
        town = build(Path(folder), 30, 10_000, env)
        root = town.paths.root
        town.close()
        pane = Pane(gt_tui(root), root, {**env, "GT_TOWN": str(root), "TERM": "xterm-256color"})
        try:
            pane.until(lambda screen: "cat29" in screen or "cat00" in screen, 120)
            time.sleep(5)  # settled
            before, started = cpu_seconds(pane.pid), time.monotonic()
            time.sleep(seconds)
            used = cpu_seconds(pane.pid) - before
            elapsed = time.monotonic() - started
            return {"seconds": round(elapsed, 1), "cpu_s": round(used, 2),
                    "percent_of_core": round(100 * used / elapsed, 2),
                    "rss_mb": round(rss_mb(pane.pid), 1)}  # fmt: skip
        finally:
            pane.close()
            subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), "
            f"{memory} GB RAM, Python {platform.python_version()}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--idle-seconds", type=float, default=60)
    parser.add_argument("--skip", default="", help="comma list of: cold,latency,idle")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if not TL.exists():
        print(f"Toolong missing: {TL} (see the docstring)", file=sys.stderr)
        return 2
    when = datetime.now(UTC).isoformat(timespec="seconds")
    results: dict[str, object] = {"machine": machine(), "events": args.events, "when": when}
    root, log = big_town(args.events)
    results["log_mb"] = round(log.stat().st_size / 1e6, 1)
    results["projection_warm_up_s"] = round(warm_projection(root), 2)
    last = newest(log)
    index_cache = log.with_name("beads.db-lineindex")

    def ours(label: str) -> None:
        paint, pane = first_paint(gt_tui(root), root, environment(root), last["bead"])
        try:
            time.sleep(3)
            results[label] = {"paint_s": round(paint, 3), "rss_mb": round(rss_mb(pane.pid), 1)}
        finally:
            pane.close()

    index_cache.unlink(missing_ok=True)
    ours("gt_index_cold")
    ours("gt_index_warm")
    paint, pane = first_paint([str(TL), str(log)], root, environment(root), last["id"])
    pane.close()
    results["tl"] = {"paint_s": round(paint, 3)}
    gt_warm = results["gt_index_warm"]["paint_s"]  # type: ignore[index]
    gt_cold = results["gt_index_cold"]["paint_s"]  # type: ignore[index]
    results["ratio_vs_tl"] = {"index_warm": round(gt_warm / paint, 2),
                              "index_cold": round(gt_cold / paint, 2)}  # fmt: skip
    print(json.dumps(results, indent=2), flush=True)
    if "latency" not in skip:
        results["append_latency"] = append_latency(root, log)
        print(json.dumps(results["append_latency"]), flush=True)
    if "cold" not in skip:
        results["cold_projection"] = cold_open(root, log, newest(log)["bead"])
        print(json.dumps(results["cold_projection"]), flush=True)
    if "idle" not in skip:
        results["idle_30_polecats"] = idle_cpu(args.idle_seconds)
    print(json.dumps(results, indent=2))
    (DATA / "feed_benchmark.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
