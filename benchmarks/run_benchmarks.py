"""Performance benchmarks of the beads store and `bd`, each against a baseline in the same run.

    python benchmarks/run_benchmarks.py            # full sizes (1,000,000-event log, ...)
    python benchmarks/run_benchmarks.py --quick    # 10x smaller, a smoke run
    python benchmarks/run_benchmarks.py --only ready --only show
    python benchmarks/run_benchmarks.py --profile  # cProfile every benchmark that misses

Benchmarks (targets are ratios to the baseline, or absolute where a ratio means nothing):

- `import_log`: open a store holding only events.jsonl + config.toml (the projection is rebuilt)
  vs reading the same file and `orjson.loads` on every line; target <= 3x.
- `bd_import`: `bd import` (the real CLI, with start-up) of an issues.jsonl into an empty store
  vs the same orjson parse of that file; target <= 5x.
- `catch_up`: open an already-projected store after 10,000 events were appended; <= 0.5 s.
- `ready`: `readiness.ready(connection, now, 100)` at 10,000 and 100,000 open beads (median);
  <= 30 ms and <= 150 ms. Baseline: the same ordering without the held-bead check.
- `show`: `bd show ID --json` on the 1,000,000-event store, median of 20 runs with interpreter
  start-up, <= 150 ms; baseline `python -c pass`. Also checks with `-X importtime` that
  anthropic, textual, rich, libtmux and git are not imported.

Generated data lives in benchmarks/data/ (git-ignored) and is reused while its parameters match.

The script is over 300 lines because it runs every store benchmark (each a function with its
baseline) from one command.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import hashlib
import io
import json
import os
import platform
import pstats
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import generate_store
import orjson

from gastown_tui.core.timestamps import format_ts
from gastown_tui.store import readiness
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.schema import SCHEMA_VERSION
from gastown_tui.store.store_paths import StorePaths

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DATA = BENCH_DIR / "data"
SEED = 42
FORBIDDEN_IMPORTS = ("anthropic", "textual", "rich", "libtmux", "git")
BENCHMARKS = ("import_log", "bd_import", "catch_up", "ready", "show")
ALIASES = {"a": "import_log", "b": "bd_import", "c": "catch_up", "d": "ready", "e": "show"}


@dataclass(frozen=True)
class Sizes:
    beads: int
    events: int
    tail: int
    records: int
    ready_open: tuple[int, int]
    show_runs: int = 20


FULL = Sizes(beads=100_000, events=1_000_000, tail=10_000, records=100_000,
             ready_open=(10_000, 100_000))  # fmt: skip
QUICK = Sizes(beads=10_000, events=100_000, tail=1_000, records=10_000, ready_open=(1_000, 10_000))
READY_TARGETS = (0.030, 0.150)  # seconds, for ready_open[0] and ready_open[1] (full sizes)


@dataclass
class Result:
    """One row of the table."""

    name: str
    measured: float | None  # seconds
    baseline: float | None  # seconds
    target: str
    passed: bool
    detail: str = ""
    measured_text: str = ""
    baseline_text: str = ""

    @property
    def ratio(self) -> float | None:
        if self.measured is None or not self.baseline:
            return None
        return self.measured / self.baseline


@dataclass
class Context:
    sizes: Sizes
    quick: bool
    profile: bool
    repeat: int
    results: list[Result] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)


# -- small helpers ---------------------------------------------------------------------------


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1:
        return f"{value * 1000:.1f} ms"
    return f"{value:.2f} s"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def orjson_parse_file(path: Path) -> int:
    """The baseline: read a JSONL file and `orjson.loads` every line."""
    loads = orjson.loads
    count = 0
    with path.open("rb") as handle:
        for line in handle:
            loads(line)
            count += 1
    return count


def best_of(function: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def median_of(function: Callable[[], object], runs: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bd_command() -> list[str]:
    script = Path(sys.executable).with_name("bd")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "gastown_tui.cli.bd_main"]


def clean_env() -> dict[str, str]:
    drop = {"BEADS_DIR", "BD_ACTOR", "GT_FAULT", "PYTHONPROFILEIMPORTTIME", "PYTHONPATH"}
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env["BD_ACTOR"] = "bench"
    return env


def run_timed(argv: Sequence[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    started = time.perf_counter()
    done = subprocess.run(list(argv), cwd=cwd, env=clean_env(), capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-2000:]!r}")
    return elapsed, done


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def quiet(_: str) -> None:
    """A store reporter that drops messages (the generated logs have no bad lines)."""


def open_store(beads_dir: Path) -> BeadsStore:
    return BeadsStore(StorePaths(beads_dir), report=quiet)


# -- data, generated once and reused ---------------------------------------------------------


def _manifest_matches(path: Path, wanted: dict[str, Any]) -> bool:
    if not path.exists():
        return False
    manifest = orjson.loads(path.read_bytes())
    return all(manifest.get(key) == value for key, value in wanted.items())


def events_data(beads: int, events: int, tail: int, open_beads: int | None = None) -> Path:
    """A generated store (pristine: events.jsonl + config.toml, no beads.db) and its tail."""
    suffix = f"-o{open_beads}" if open_beads is not None else ""
    out = DATA / "gen" / f"events-b{beads}-e{events}-t{tail}{suffix}-s{SEED}"
    wanted = {"generator_version": generate_store.GENERATOR_VERSION, "seed": SEED,
              "beads": beads, "events": events, "tail": tail, "open_beads": open_beads,
              "mix": generate_store.DEFAULT_MIX}  # fmt: skip
    if not _manifest_matches(out / "manifest.json", wanted):
        log(f"generating {out.name} ...")
        shutil.rmtree(out, ignore_errors=True)
        manifest = generate_store.generate_events(out, beads=beads, events=events, tail=tail,
                                                  open_beads=open_beads, seed=SEED)  # fmt: skip
        log(f"  {manifest['lines']} lines, {manifest['bytes'] / 1e6:.0f} MB "
            f"in {manifest['seconds']} s")  # fmt: skip
    return out


def issues_data(records: int) -> Path:
    out = DATA / "gen" / f"issues-r{records}-s{SEED}.jsonl"
    wanted = {"generator_version": generate_store.GENERATOR_VERSION, "seed": SEED,
              "records": records}  # fmt: skip
    if not _manifest_matches(out.with_name(out.name + ".manifest.json"), wanted):
        log(f"generating {out.name} ...")
        manifest = generate_store.generate_issues(out, records=records, seed=SEED)
        log(f"  {manifest['bytes'] / 1e6:.0f} MB in {manifest['seconds']} s")
    return out


def _stamp(gen: Path) -> dict[str, Any]:
    manifest = orjson.loads((gen / "manifest.json").read_bytes())
    return {"source": gen.name, "bytes": manifest["bytes"], "schema": SCHEMA_VERSION}


def projected_store(gen: Path) -> Path:
    """A projected copy of a generated store (rebuilt when missing or stale). Returns its root."""
    root = DATA / "stores" / gen.name
    beads_dir = root / ".beads"
    stamp_file = root / "stamp.json"
    if not _manifest_matches(stamp_file, _stamp(gen)) or not (beads_dir / "beads.db").exists():
        log(f"projecting {gen.name} (untimed set-up) ...")
        fresh_dir(beads_dir)
        shutil.copyfile(gen / ".beads" / "events.jsonl", beads_dir / "events.jsonl")
        shutil.copyfile(gen / ".beads" / "config.toml", beads_dir / "config.toml")
    with open_store(beads_dir):
        pass  # a no-op when current; catches up or rebuilds otherwise
    stamp_file.write_bytes(orjson.dumps(_stamp(gen)))
    return root


def copy_store(source: Path, target: Path) -> Path:
    """Copy a projected store's files (events.jsonl, config.toml, beads.db*) into `target`."""
    beads_dir = fresh_dir(target) / ".beads"
    beads_dir.mkdir()
    for item in (source / ".beads").iterdir():
        if item.is_file() and item.name != "events.lock":
            shutil.copyfile(item, beads_dir / item.name)
    return beads_dir


# -- profiling -------------------------------------------------------------------------------


def _write_profile(ctx: Context, name: str, prof_path: Path) -> None:
    stream = io.StringIO()
    stats = pstats.Stats(str(prof_path), stream=stream)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(25)
    text_path = prof_path.with_suffix(".txt")
    text_path.write_text(stream.getvalue(), encoding="utf-8")
    ctx.profiles.append(str(text_path))
    brief = io.StringIO()
    pstats.Stats(str(prof_path), stream=brief).sort_stats("tottime").print_stats(12)
    log(f"--- profile of {name} (top by own time; full: {text_path}) ---")
    lines = brief.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    log("\n".join(lines[start:]))


def profile_call(ctx: Context, name: str, function: Callable[[], object]) -> None:
    path = fresh_dir(DATA / "profiles" / name) / f"{name}.prof"
    profiler = cProfile.Profile()
    profiler.runcall(function)
    profiler.dump_stats(str(path))
    _write_profile(ctx, name, path)


def profile_bd(ctx: Context, name: str, args: Sequence[str], cwd: Path) -> None:
    path = fresh_dir(DATA / "profiles" / name) / f"{name}.prof"
    argv = [sys.executable, "-m", "cProfile", "-o", str(path), "-m", "gastown_tui.cli.bd_main"]
    run_timed([*argv, *args], cwd)
    _write_profile(ctx, name, path)


# -- the benchmarks --------------------------------------------------------------------------


def bench_import_log(ctx: Context) -> None:
    """(a) Rebuilding the projection from a whole log vs parsing the log."""
    sizes = ctx.sizes
    gen = events_data(sizes.beads, sizes.events, sizes.tail)
    log_file = gen / ".beads" / "events.jsonl"
    baseline = best_of(lambda: orjson_parse_file(log_file))
    work = DATA / "work" / "import_log"
    times = []
    for _ in range(ctx.repeat):
        beads_dir = fresh_dir(work) / ".beads"
        beads_dir.mkdir()
        shutil.copyfile(log_file, beads_dir / "events.jsonl")
        shutil.copyfile(gen / ".beads" / "config.toml", beads_dir / "config.toml")
        started = time.perf_counter()
        store = open_store(beads_dir)
        times.append(time.perf_counter() - started)
        beads = store.connection.execute("SELECT COUNT(*) FROM beads").fetchone()[0]
        lines = store.projection.position().line_count
        store.close()
    if lines != sizes.events or beads != sizes.beads:
        raise RuntimeError(f"import_log: projected {lines} lines / {beads} beads")
    measured = statistics.median(times)
    result = Result(f"import_log ({sizes.events:,} events)", measured, baseline, "ratio <= 3x",
                    measured <= 3 * baseline,
                    f"{log_file.stat().st_size / 1e6:.0f} MB log, {beads:,} beads; "
                    f"runs: {', '.join(fmt_seconds(t) for t in times)}")  # fmt: skip
    ctx.results.append(result)
    # The freshly projected store is the one catch_up and show use: keep it.
    store_root = DATA / "stores" / gen.name
    shutil.rmtree(store_root, ignore_errors=True)
    store_root.parent.mkdir(parents=True, exist_ok=True)
    work.rename(store_root)
    (store_root / "stamp.json").write_bytes(orjson.dumps(_stamp(gen)))
    if ctx.profile and not result.passed:
        beads_dir = fresh_dir(work) / ".beads"
        beads_dir.mkdir()
        shutil.copyfile(log_file, beads_dir / "events.jsonl")
        shutil.copyfile(gen / ".beads" / "config.toml", beads_dir / "config.toml")
        profile_call(ctx, "import_log", lambda: open_store(beads_dir).close())
        shutil.rmtree(work, ignore_errors=True)


def bench_bd_import(ctx: Context) -> None:
    """(b) `bd import` of an issues.jsonl into an empty store vs parsing the file."""
    sizes = ctx.sizes
    issues = issues_data(sizes.records)
    baseline = best_of(lambda: orjson_parse_file(issues))
    work = DATA / "work" / "bd_import"
    bd = bd_command()
    times = []
    imported = -1
    for _ in range(ctx.repeat):
        fresh_dir(work)
        run_timed([*bd, "init", "--prefix", "bn", "--json"], work)
        elapsed, done = run_timed([*bd, "import", str(issues), "--json"], work)
        times.append(elapsed)
        imported = json.loads(done.stdout)["imported"]
    if imported != sizes.records:
        raise RuntimeError(f"bd_import: imported {imported} of {sizes.records}")
    measured = statistics.median(times)
    result = Result(f"bd import ({sizes.records:,} records)", measured, baseline, "ratio <= 5x",
                    measured <= 5 * baseline,
                    f"{issues.stat().st_size / 1e6:.0f} MB issues.jsonl; "
                    f"runs: {', '.join(fmt_seconds(t) for t in times)}")  # fmt: skip
    ctx.results.append(result)
    if ctx.profile and not result.passed:
        fresh_dir(work)
        run_timed([*bd, "init", "--prefix", "bn", "--json"], work)
        profile_bd(ctx, "bd_import", ["import", str(issues), "--json"], work)
    shutil.rmtree(work, ignore_errors=True)


def _rebuild_count(beads_dir: Path) -> int | None:
    """The projection's count of full rebuilds, where the schema keeps one (read-only peek)."""
    with sqlite3.connect(beads_dir / "beads.db") as connection:
        columns = {row[1] for row in connection.execute("PRAGMA table_info(position)")}
        if "rebuilds" not in columns:
            return None
        count: int = connection.execute("SELECT rebuilds FROM position").fetchone()[0]
    return count


def bench_catch_up(ctx: Context) -> None:
    """(c) Opening a projected store after a tail of events was appended."""
    sizes = ctx.sizes
    gen = events_data(sizes.beads, sizes.events, sizes.tail)
    source = projected_store(gen)
    tail_file = gen / "tail.jsonl"
    tail = tail_file.read_bytes()
    baseline = best_of(lambda: orjson_parse_file(tail_file))
    manifest = orjson.loads((gen / "manifest.json").read_bytes())
    touched = len({orjson.loads(line)["bead"] for line in tail.splitlines() if line.strip()})
    work = DATA / "work" / "catch_up"
    times = []
    runs = max(5, ctx.repeat)  # cheap runs: a median of five steadies a noisy host
    rebuilds: list[str] = []
    for _ in range(runs):
        beads_dir = copy_store(source, work)
        before = _rebuild_count(beads_dir)
        with (beads_dir / "events.jsonl").open("ab") as handle:
            handle.write(tail)
        started = time.perf_counter()
        store = open_store(beads_dir)
        times.append(time.perf_counter() - started)
        lines = store.projection.position().line_count
        store.close()
        after = _rebuild_count(beads_dir)
        rebuilds.append("n/a" if before is None or after is None else str(after - before))
        if lines != manifest["lines"] + manifest["tail_lines"]:
            raise RuntimeError(f"catch_up: position at line {lines}")
    measured = statistics.median(times)
    result = Result(f"catch_up (+{sizes.tail:,} on {sizes.events:,})", measured, baseline,
                    "<= 0.5 s", measured <= 0.5,
                    f"median of {runs}: {', '.join(fmt_seconds(t) for t in times)}; "
                    f"the tail touches {touched:,} distinct beads; "
                    f"baseline parses the {len(tail) / 1e6:.1f} MB tail; "
                    f"full rebuilds during catch-up: {', '.join(rebuilds)}")  # fmt: skip
    ctx.results.append(result)
    if ctx.profile and not result.passed:
        beads_dir = copy_store(source, work)
        with (beads_dir / "events.jsonl").open("ab") as handle:
            handle.write(tail)
        profile_call(ctx, "catch_up", lambda: open_store(beads_dir).close())
    shutil.rmtree(work, ignore_errors=True)


def _call_many(function: Callable[[], object], times: int) -> None:
    for _ in range(times):
        function()


_PLAIN_READY = (
    "SELECT record FROM beads WHERE status = 'open' AND pinned = 0 AND ephemeral = 0 "
    "AND tombstone = 0 ORDER BY priority, created_key, id LIMIT :limit"
)


def bench_ready(ctx: Context) -> None:
    """(d) `ready` with limit 100, in-process, at two sizes of open work."""
    for open_beads, target in zip(ctx.sizes.ready_open, READY_TARGETS, strict=True):
        beads = 2 * open_beads
        gen = events_data(beads, 3 * beads, 0, open_beads)
        root = projected_store(gen)
        store = open_store(root / ".beads")
        connection = store.connection
        now = format_ts(datetime.now(UTC))
        counted = connection.execute("SELECT COUNT(*) FROM beads WHERE status = 'open'")
        opened = counted.fetchone()[0]
        total = connection.execute("SELECT COUNT(*) FROM beads").fetchone()[0]
        rows = readiness.ready(connection, now, 100)
        call_ready = functools.partial(readiness.ready, connection, now, 100)
        measured = median_of(call_ready, runs=21)

        def plain(c: sqlite3.Connection = connection) -> list[Any]:
            return [orjson.loads(row[0]) for row in c.execute(_PLAIN_READY, {"limit": 100})]

        baseline = median_of(plain, runs=21)
        blocked = len(readiness.blocked(connection, now))
        result = Result(f"ready -n 100 ({opened:,} open)", measured, baseline,
                        f"<= {target * 1000:.0f} ms", measured <= target,
                        f"{total:,} beads, {blocked:,} blocked, {len(rows)} rows; baseline: "
                        "the same ORDER BY/LIMIT without the held-bead check")  # fmt: skip
        ctx.results.append(result)
        if ctx.profile and not result.passed:
            repeated = functools.partial(_call_many, call_ready, 10)
            profile_call(ctx, f"ready_{opened}", repeated)
        store.close()


def _import_report(stderr: str) -> tuple[set[str], list[tuple[int, str]], int]:
    """Modules imported, top-level imports by cumulative µs, and the total self time."""
    modules: set[str] = set()
    top: list[tuple[int, str]] = []
    total = 0
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        self_us, cumulative, name = line[len("import time:") :].split("|")
        stripped = name.strip()
        modules.add(stripped)
        total += int(self_us)
        if name.startswith(" ") and not name.startswith("  "):
            top.append((int(cumulative), stripped))
    return modules, sorted(top, reverse=True), total


def bench_show(ctx: Context) -> None:
    """(e) `bd show ID` with interpreter start-up on the big store, and what it imports."""
    sizes = ctx.sizes
    gen = events_data(sizes.beads, sizes.events, sizes.tail)
    root = projected_store(gen)
    with open_store(root / ".beads") as store:
        bead_id = store.connection.execute(
            "SELECT depends_on_id FROM deps WHERE type = 'parent-child' "
            "GROUP BY depends_on_id ORDER BY COUNT(*) DESC, depends_on_id LIMIT 1"
        ).fetchone()[0]
    bd = bd_command()
    argv = [*bd, "show", bead_id, "--json"]

    def floor() -> None:
        run_timed([sys.executable, "-c", "pass"], root)

    def show() -> None:
        run_timed(argv, root)

    baseline = median_of(floor, sizes.show_runs)
    measured = median_of(show, sizes.show_runs)
    _, done = run_timed(argv, root)
    dependents = len(json.loads(done.stdout)[0]["dependents"])
    result = Result(f"bd show ({sizes.events:,}-event store)", measured, baseline, "<= 150 ms",
                    measured <= 0.150,
                    f"median of {sizes.show_runs} runs of `bd show {bead_id} --json` "
                    f"({dependents} dependents); baseline `python -c pass`")  # fmt: skip
    ctx.results.append(result)
    importtime = [sys.executable, "-X", "importtime", "-m", "gastown_tui.cli.bd_main",
                  "show", bead_id]  # fmt: skip
    _, done = run_timed(importtime, root)
    modules, top, total = _import_report(done.stderr.decode())
    bad = sorted(
        name for name in modules if any(name == f or name.startswith(f + ".")
                                        for f in FORBIDDEN_IMPORTS)
    )  # fmt: skip
    slowest = ", ".join(f"{name} {us / 1000:.1f} ms" for us, name in top[:5])
    ctx.results.append(Result(
        "bd show imports", total / 1e6, None, "no " + "/".join(FORBIDDEN_IMPORTS), not bad,
        f"{len(modules)} modules, {total / 1000:.0f} ms importing; slowest top-level: {slowest}",
        measured_text="none forbidden" if not bad else "imports " + ", ".join(bad[:5]),
    ))  # fmt: skip
    if ctx.profile and not result.passed:
        profile_bd(ctx, "show", ["show", bead_id, "--json"], root)


RUNNERS: dict[str, Callable[[Context], None]] = {
    "import_log": bench_import_log,
    "bd_import": bench_bd_import,
    "catch_up": bench_catch_up,
    "ready": bench_ready,
    "show": bench_show,
}


# -- report ----------------------------------------------------------------------------------


def source_digest() -> str:
    """A digest of every gastown_tui/*.py file: which code a run measured (others edit it)."""
    digest = hashlib.blake2b(digest_size=6)
    for path in sorted((REPO / "gastown_tui").rglob("*.py")):
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with open("/proc/meminfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                            capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    dirty = subprocess.run(["git", "status", "--porcelain", "gastown_tui"], cwd=REPO,
                           capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "orjson": orjson.__version__,
        "os": platform.platform(),
        "load average": load_average(),
        "commit": commit + (" (+ uncommitted changes in gastown_tui/)" if dirty else ""),
        "source digest": source_digest(),
    }


def table(results: list[Result]) -> str:
    header = ("benchmark", "measured", "baseline", "ratio", "target", "result")
    rows = [header]
    for item in results:
        ratio = f"{item.ratio:.2f}x" if item.ratio is not None else "-"
        rows.append((item.name, item.measured_text or fmt_seconds(item.measured),
                     item.baseline_text or fmt_seconds(item.baseline), ratio, item.target,
                     "pass" if item.passed else "FAIL"))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                     + " |")  # fmt: skip
        if index == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmarks of the beads store and bd.")
    parser.add_argument("--quick", action="store_true", help="10x smaller sizes (a smoke run)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help=f"run only these ({', '.join(BENCHMARKS)} or a-e); repeatable, "
                             "or comma-separated")  # fmt: skip
    parser.add_argument("--profile", action="store_true",
                        help="cProfile each benchmark that misses its target")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of import_log and bd_import (median)")  # fmt: skip
    args = parser.parse_args(argv)
    selected: list[str] = []
    for item in args.only:
        for name in item.split(","):
            name = ALIASES.get(name.strip(), name.strip())
            if name not in RUNNERS:
                parser.error(f"unknown benchmark {name!r} (known: {', '.join(BENCHMARKS)})")
            selected.append(name)
    names = [name for name in BENCHMARKS if not selected or name in selected]
    ctx = Context(QUICK if args.quick else FULL, args.quick, args.profile, max(1, args.repeat))
    info = machine()
    log("machine: " + "; ".join(f"{key} {value}" for key, value in info.items()))
    loads: dict[str, str] = {}
    for name in names:
        log(f"== {name} == (load average {load_average()})")
        started = time.perf_counter()
        before = len(ctx.results)
        try:
            RUNNERS[name](ctx)
        except Exception as error:  # one broken benchmark must not lose the others' numbers
            message = " ".join(str(error).split())[-300:]
            log(f"   {name} failed: {type(error).__name__}: {message}")
            ctx.results.append(Result(name, None, None, "-", False,
                                      f"{type(error).__name__}: {message}",
                                      measured_text="ERROR"))  # fmt: skip
        loads[name] = load_average()
        for item in ctx.results[before:]:
            item.detail += f"; load average after: {loads[name]}"
        log(f"   ({time.perf_counter() - started:.0f} s)")
    end_digest = source_digest()
    if end_digest != info["source digest"]:
        log(f"warning: gastown_tui changed during the run ({info['source digest']} -> "
            f"{end_digest}): the benchmarks may have measured different code")  # fmt: skip
        info["source digest"] += f" -> {end_digest} (changed during the run)"
    text = table(ctx.results)
    print(text)
    for item in ctx.results:
        print(f"- {item.name}: {item.detail}")
    mode = "quick" if args.quick else "full"
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / f"results-{mode}.json").write_bytes(orjson.dumps(
        {"machine": info, "benchmarks": names, "table": text, "profiles": ctx.profiles,
         "results": [{**asdict(item), "ratio": item.ratio} for item in ctx.results]},
        option=orjson.OPT_INDENT_2,
    ))  # fmt: skip
    return 0 if all(item.passed for item in ctx.results) else 1


if __name__ == "__main__":
    sys.exit(main())
