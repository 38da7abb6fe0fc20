"""Acceptance: many writer processes at once lose nothing and tear nothing (DESIGN §3).

"8 processes doing 250 mutations each at once — creates, and updates and closes of shared
beads: all 2,000 events are in the log, no line is torn, and the projection equals a fresh
rebuild (identical `bd export --all`)."

Real processes, a real log file and a real SQLite projection: each worker is a separate
Python process (`store_writer_worker.py mutate`) using `write_transaction()`, one event
per transaction. A start file is the barrier that makes them overlap.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import BdRunner

WORKER = Path(__file__).with_name("store_writer_worker.py")
REPO = Path(__file__).resolve().parents[2]
WORKERS = 8
MUTATIONS = 250
SHARED = 4


def _worker_env(runner: BdRunner) -> dict[str, str]:
    env = dict(runner.env)
    env["PYTHONPATH"] = str(REPO)
    return env


def _export(runner: BdRunner) -> bytes:
    return runner("export", "--all", "-o", "-").stdout_bytes


def _log_lines(runner: BdRunner) -> list[bytes]:
    raw = (runner.beads_dir / "events.jsonl").read_bytes()
    assert raw.endswith(b"\n"), "the log does not end with a newline"
    return raw[:-1].split(b"\n")


@pytest.mark.slow
def test_eight_processes_mutating_at_once_lose_nothing(
    bd: BdRunner, bd_factory: Callable[[str], BdRunner], tmp_path: Path
) -> None:
    shared = [bd("create", f"shared {n}", "--json").json()["id"] for n in range(SHARED)]
    setup_events = bd.events()
    assert len(setup_events) == SHARED

    start_file = tmp_path / "start"
    procs = []
    for worker in range(WORKERS):
        args = [
            sys.executable,
            str(WORKER),
            "mutate",
            str(bd.beads_dir),
            str(worker),
            str(MUTATIONS),
            str(start_file),
            *shared,
        ]
        procs.append(
            subprocess.Popen(
                args,
                cwd=bd.cwd,
                env=_worker_env(bd),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    try:
        for proc in procs:  # the barrier: every worker has opened the store
            line = proc.stdout.readline() if proc.stdout else b""
            assert line == b"ready\n", f"worker did not start: {line!r}"
        start_file.touch()
        started = time.monotonic()
        outputs = [proc.communicate(timeout=120) for proc in procs]
        elapsed = time.monotonic() - started
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, f"worker failed ({proc.returncode}): {err.decode()}"
        assert err == b"", err.decode()
    reported: dict[int, list[str]] = {}
    for out, _ in outputs:
        result = json.loads(out)
        reported[result["worker"]] = result["event_ids"]
    assert sorted(reported) == list(range(WORKERS))
    assert all(len(ids) == MUTATIONS for ids in reported.values())
    print(f"{WORKERS * MUTATIONS} transactions from {WORKERS} processes in {elapsed:.1f}s")

    # The log: every line is a whole event, nothing lost, nothing twice, time moves forward.
    lines = _log_lines(bd)
    events: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        try:
            events.append(json.loads(line))
        except ValueError as error:
            raise AssertionError(f"events.jsonl:{number} is torn: {line[:120]!r}") from error
    assert len(events) == SHARED + WORKERS * MUTATIONS
    assert events[:SHARED] == setup_events
    ids = [event["id"] for event in events]
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"duplicate event ids: {duplicates[:5]}"
    all_reported = {i for worker_ids in reported.values() for i in worker_ids}
    assert len(all_reported) == WORKERS * MUTATIONS
    assert set(ids[SHARED:]) == all_reported
    by_id = {event["id"]: event for event in events}
    for worker, worker_ids in reported.items():
        assert {by_id[i]["actor"] for i in worker_ids} == {f"worker-{worker}"}
        mine = [i for i in ids if by_id[i]["actor"] == f"worker-{worker}"]
        assert mine == worker_ids, f"worker {worker}'s events are not in its commit order"
    stamps = [event["ts"] for event in events]
    backwards = [(n, a, b) for n, (a, b) in enumerate(itertools.pairwise(stamps), 2) if b <= a]
    assert not backwards, f"ts not strictly increasing at lines {backwards[:5]}"
    interleaved = sum(1 for a, b in itertools.pairwise(events) if a["actor"] != b["actor"])
    assert interleaved > WORKERS, "the workers did not overlap"
    ops = Counter(event["op"] for event in events[SHARED:])
    assert {"create", "update", "label_add", "label_remove", "close", "reopen"} <= set(ops), ops

    # The projection, as every process left it, equals a rebuild and a fresh store.
    live = _export(bd)
    records = {r["id"]: r for r in map(json.loads, live.splitlines())}
    assert len(records) == SHARED + ops["create"]
    _check_shared_beads(records, events, shared)
    rebuilt = bd("rebuild", "--json").json()
    assert rebuilt["events"] == len(events)
    assert rebuilt["malformed_lines"] == 0
    assert rebuilt["unknown_ops"] == 0
    assert _export(bd) == live, "the live projection differs from a rebuild"
    fresh = bd_factory("fresh")
    (fresh.beads_dir).mkdir()
    for name in ("events.jsonl", "config.toml"):
        shutil.copy2(bd.beads_dir / name, fresh.beads_dir / name)
    assert not (fresh.beads_dir / "beads.db").exists()
    assert _export(fresh) == live, "a fresh store built from the log differs from the live one"


def _check_shared_beads(
    records: dict[str, dict[str, Any]], events: list[dict[str, Any]], shared: list[str]
) -> None:
    """The shared beads' fields are what the last event (in log order) for each field says."""
    for bead_id in shared:
        mine = [event for event in events if event["bead"] == bead_id]
        record = records[bead_id]
        status = "open"
        labels: set[str] = set()
        notes = priority = None
        for event in mine:
            data = event["data"]
            if event["op"] in ("close", "reopen"):
                status = data["set"]["status"]
            elif event["op"] == "label_add":
                labels.add(data["label"])
            elif event["op"] == "label_remove":
                labels.discard(data["label"])
            elif event["op"] == "update":
                notes, priority = data["set"]["notes"], data["set"]["priority"]
        assert record["status"] == status, bead_id
        assert set(record.get("labels") or []) == labels, bead_id
        assert record.get("notes") == notes, bead_id
        if priority is not None:
            assert record["priority"] == priority, bead_id
        assert record["updated_at"] == mine[-1]["ts"], bead_id
        closing = [e for e in mine if e["op"] in ("close", "reopen")]
        if status == "closed":
            assert record["closed_at"] == closing[-1]["data"]["set"]["closed_at"], bead_id
        else:
            assert "closed_at" not in record, bead_id
