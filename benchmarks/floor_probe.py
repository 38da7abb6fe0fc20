"""How low `import_log` and `bd import` could go on this machine, measured beside their baselines.

    python benchmarks/floor_probe.py            # full sizes (the data run_benchmarks.py uses)
    python benchmarks/floor_probe.py --quick    # 10x smaller

Each line times one piece of work that any projection of the same data must do, however it is
written, in the same run as the baseline of the benchmark it bounds:

- `fold floor`: read the 1,000,000-event log, `orjson.loads` every line and apply it to an
  in-memory dict with the product's own handlers (`core.fold.HANDLERS`): no history, no feed, no
  validation, no SQLite. Any replay of the log costs at least this.
- `sqlite floor (log)` and `sqlite floor (import)`: insert the rows a projection of that data
  holds (beads, deps, labels, read back from a projected store) into a new database, create the
  indexes and commit, with the projection's own pragmas: no Python work beyond handing SQLite
  the rows. Any projection that stores these rows costs at least this.

The ratios show which targets the design can reach: a floor that alone exceeds a target's ratio
means no implementation of this design in CPython meets it on this machine.
"""

from __future__ import annotations

import argparse
import gc
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import run_benchmarks as rb

from gastown_tui.core.fold import HANDLERS
from gastown_tui.store.schema import BULK_CACHE_SIZE, REBUILD_INDEXES, connect


def fold_floor(log_path: Path) -> int:
    """Parse every line and apply it with the product's handlers; the number of beads."""
    beads: dict[str, dict[str, object]] = {}
    loads, handlers = orjson.loads, HANDLERS
    with log_path.open("rb") as handle:
        for line in handle:
            event = loads(line)
            handler = handlers.get(event["op"])
            if handler is not None:
                handler(beads, event.get("bead", ""), event, event.get("data") or {})
    return len(beads)


def projected_rows(beads_dir: Path) -> dict[str, list[tuple[object, ...]]]:
    source = sqlite3.connect(beads_dir / "beads.db")
    try:
        return {table: source.execute(f"SELECT * FROM {table}").fetchall()
                for table in ("beads", "deps", "labels")}  # fmt: skip
    finally:
        source.close()


def imported_store(issues: Path) -> Path:
    """`bd import` of the issues file into a new store (untimed set-up); its .beads directory."""
    root = rb.fresh_dir(rb.DATA / "work" / "floor-import")
    rb.run_timed([*rb.bd_command(), "init", "--prefix", "bn", "--json"], root)
    rb.run_timed([*rb.bd_command(), "import", str(issues), "--json"], root)
    return root / ".beads"


def sqlite_floor(rows: dict[str, list[tuple[object, ...]]], work: Path) -> float:
    """Seconds to insert `rows` into a new projection, index it and commit."""
    database = rb.fresh_dir(work) / "beads.db"
    connection = connect(database)
    try:
        for index in REBUILD_INDEXES:
            connection.execute(f"DROP INDEX {index}")
        connection.execute(f"PRAGMA cache_size = {BULK_CACHE_SIZE}")
        connection.execute("PRAGMA wal_autocheckpoint = 0")  # the checkpoint comes later
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        for table, table_rows in rows.items():
            marks = ",".join("?" * len(table_rows[0]))
            connection.executemany(f"INSERT INTO {table} VALUES ({marks})", table_rows)
        for statement in REBUILD_INDEXES.values():
            connection.execute(statement)
        connection.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        connection.close()


def timed(function: Callable[[], object]) -> float:
    gc.disable()  # as the product's bulk paths do
    try:
        return rb.best_of(function, runs=1)
    finally:
        gc.enable()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller data")
    args = parser.parse_args(argv)
    sizes = rb.QUICK if args.quick else rb.FULL
    rb.log("machine: " + "; ".join(f"{key} {value}" for key, value in rb.machine().items()))
    gen = rb.events_data(sizes.beads, sizes.events, sizes.tail)
    log_path = gen / ".beads" / "events.jsonl"
    log_rows = projected_rows(rb.projected_store(gen) / ".beads")
    issues = rb.issues_data(sizes.records)
    import_rows = projected_rows(imported_store(issues))
    work = rb.DATA / "work" / "floor"

    log_baseline = rb.best_of(lambda: rb.orjson_parse_file(log_path))
    fold = timed(lambda: fold_floor(log_path))
    log_sqlite = sqlite_floor(log_rows, work)
    issues_baseline = rb.best_of(lambda: rb.orjson_parse_file(issues))
    import_sqlite = sqlite_floor(import_rows, work)

    lines = [
        ("import_log baseline (orjson over the log)", log_baseline, log_baseline),
        ("fold floor (parse + product handlers)", fold, log_baseline),
        (f"sqlite floor ({len(log_rows['beads']):,} beads of the log)", log_sqlite, log_baseline),
        ("fold + sqlite floors", fold + log_sqlite, log_baseline),
        ("bd_import baseline (orjson over issues.jsonl)", issues_baseline, issues_baseline),
        (
            f"sqlite floor ({len(import_rows['beads']):,} imported records)",
            import_sqlite,
            issues_baseline,
        ),
    ]
    print("| work | time | × its baseline |")
    print("|---|---|---|")
    for name, seconds, baseline in lines:
        print(f"| {name} | {rb.fmt_seconds(seconds)} | {seconds / baseline:.2f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
