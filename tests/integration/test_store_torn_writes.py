"""Acceptance: torn writes (DESIGN §3, the log protocol).

"Torn writes: with GT_FAULT=log.partial_write, and with 200 random SIGKILLs of writers in a
loop, the log always loads, every completed batch is present, and nothing else is lost."

`GT_FAULT=log.partial_write` makes a writer append the first half of its batch and SIGKILL
itself. The next writer, holding the lock, appends `\\n` first so the fragment becomes one
malformed line (reported once as `PATH:N: reason`, then skipped) and never glues itself to
the next event. A batch is atomic: none of a torn batch may reach the projection.

The kill loop runs `store_writer_worker.py batches` (real processes, the Python API, one
SQLite projection) and SIGKILLs it at random moments, 200 times, on the same store.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.store_paths import StorePaths

if TYPE_CHECKING:
    from conftest import BdRunner

FAULT = {"GT_FAULT": "log.partial_write"}
WORKER = Path(__file__).with_name("store_writer_worker.py")
REPO = Path(__file__).resolve().parents[2]
BATCH_ACTOR = "batch-writer/"
KILLS = 200
SEED = 20260601


def _log_path(bd: BdRunner) -> Path:
    return bd.beads_dir / "events.jsonl"


def _ids(listing: list[dict[str, Any]]) -> set[str]:
    return {record["id"] for record in listing}


def _export(bd: BdRunner) -> bytes:
    return bd("export", "--all", "-o", "-").stdout_bytes


def _problem_lines(bd: BdRunner, stderr: str) -> list[tuple[int, str]]:
    """The `PATH:N: reason` lines about this store's log in `stderr`."""
    path = re.escape(str(_log_path(bd).resolve()))
    found = []
    for line in stderr.splitlines():
        match = re.match(rf"^{path}:(\d+): (.+)$", line)
        if match:
            found.append((int(match[1]), match[2]))
    return found


# -- GT_FAULT=log.partial_write through the command line ---------------------------------------


def test_partial_write_of_a_create_leaves_a_fragment_that_the_next_writer_isolates(
    bd: BdRunner,
) -> None:
    earlier = [bd("create", f"earlier {n}", "--json").json()["id"] for n in range(3)]
    log = _log_path(bd)
    before = log.read_bytes()
    lines_before = before.count(b"\n")

    doomed = bd("create", "doomed bead", "--json", extra_env=FAULT, check=False)
    assert doomed.returncode == -signal.SIGKILL, (doomed.returncode, doomed.stderr)
    torn = log.read_bytes()
    assert torn.startswith(before)
    fragment = torn[len(before) :]
    assert fragment, "the faulty writer wrote nothing"
    assert b"\n" not in fragment and not torn.endswith(b"\n"), "the log should end in a fragment"

    # A reader loads the store, skips the unterminated tail and reports nothing yet.
    listing = bd("list", "--all", "--json")
    assert _ids(listing.json()) == set(earlier)
    assert listing.stderr == ""

    survivor = bd("create", "survivor", "--json")
    new_id = survivor.json()["id"]
    problems = _problem_lines(bd, survivor.stderr)
    assert [number for number, _ in problems] == [lines_before + 1], survivor.stderr
    assert len(survivor.stderr.splitlines()) == 1, survivor.stderr

    after = log.read_bytes()
    assert after.endswith(b"\n")
    lines = after[:-1].split(b"\n")
    assert b"\n".join(lines[:lines_before]) + b"\n" == before, "earlier lines changed"
    assert lines[lines_before] == fragment, "the fragment is not its own line"
    assert len(lines) == lines_before + 2
    event = json.loads(lines[lines_before + 1])
    assert (event["op"], event["bead"]) == ("create", new_id)

    listing = bd("list", "--all", "--json")
    assert _ids(listing.json()) == {*earlier, new_id}
    assert "doomed bead" not in {record["title"] for record in listing.json()}
    assert listing.stderr == "", "the fragment was reported a second time"
    live = _export(bd)
    rebuilt = bd("rebuild", "--json").json()
    assert rebuilt["malformed_lines"] == 1
    assert rebuilt["events"] == lines_before + 1
    assert _export(bd) == live


def test_partial_write_of_a_multi_event_batch_applies_none_of_it(bd: BdRunner) -> None:
    bead = bd("create", "original title", "--json").json()
    other = bd("create", "bystander", "--json").json()["id"]
    log = _log_path(bd)
    before = log.read_bytes()
    lines_before = before.count(b"\n")
    shown_before = bd("show", bead["id"], "--json").json()

    # One batch of three events: update (title), label_add a, label_add b.
    args = ("update", bead["id"], "--add-label", "a", "--add-label", "b", "--title", "x" * 40)
    doomed = bd(*args, "--json", extra_env=FAULT, check=False)
    assert doomed.returncode == -signal.SIGKILL, (doomed.returncode, doomed.stderr)
    torn = log.read_bytes()
    assert torn.startswith(before) and len(torn) > len(before)
    assert not torn.endswith(b"\n")
    complete_lines = torn[len(before) :].count(b"\n")

    # Readers, the next writer (which mends the tail) and a rebuild all see none of the batch.
    after_fault = bd("show", bead["id"], "--json").json()
    survivor = bd("create", "survivor", "--json")
    problems = _problem_lines(bd, survivor.stderr)
    # The batch's complete lines are reported once as a torn batch (at its first line), then
    # the fragment the mending writer isolated, as a malformed line.
    assert len(problems) == 1 + (complete_lines > 0), survivor.stderr
    assert problems[-1][0] == lines_before + complete_lines + 1
    if complete_lines:
        assert problems[0][0] == lines_before + 1
        assert "torn batch" in survivor.stderr
    after_mend = bd("show", bead["id"], "--json").json()
    rebuilt = bd("rebuild", "--json").json()
    assert rebuilt["malformed_lines"] == 1
    assert rebuilt["torn_batches"] == (complete_lines > 0)
    after_rebuild = bd("show", bead["id"], "--json").json()
    listing = bd("list", "--all", "--json").json()
    assert _ids(listing) == {bead["id"], other, survivor.json()["id"]}

    # The same command without the fault applies the whole batch.
    whole = bd(*args, "--json").json()[0]
    assert whole["title"] == "x" * 40 and whole["labels"] == ["a", "b"]

    seen = {"reader": after_fault, "next writer": after_mend, "rebuild": after_rebuild}
    applied = {who: view[0]["title"] for who, view in seen.items() if view != shown_before}
    assert not applied, (
        f"part of a torn 3-event batch was applied ({complete_lines} of its lines were "
        f"complete before the fragment); the title became: {applied}"
    )


# -- 200 random SIGKILLs of a writer committing batches ----------------------------------------


@dataclass
class KillLoop:
    """What the kill loop saw: the batches reported complete, and how each run ended."""

    completed: dict[str, list[str]] = field(default_factory=dict)  # tag -> event ids
    completed_beads: dict[str, str] = field(default_factory=dict)  # tag -> bead id
    fault_runs: int = 0
    killed_runs: int = 0
    runs_with_batches: int = 0
    reader_reports: list[str] = field(default_factory=list)


def _start_writer(
    bd: BdRunner, run: int, shared: list[str], fault: bool, stderr: Path
) -> subprocess.Popen:
    env = dict(bd.env)
    env["PYTHONPATH"] = str(REPO)
    if fault:
        env.update(FAULT)
    args = [sys.executable, str(WORKER), "batches", str(bd.beads_dir), str(run), *shared]
    with stderr.open("wb") as errors:
        return subprocess.Popen(args, cwd=bd.cwd, env=env, stdout=subprocess.PIPE, stderr=errors)


def _record_output(loop: KillLoop, output: bytes) -> None:
    complete = output[: output.rfind(b"\n") + 1].decode()
    batches = 0
    for line in complete.splitlines():
        if line == "ready":
            continue
        word, tag, bead_id, *event_ids = line.split()
        assert word == "done" and tag not in loop.completed, line
        loop.completed[tag] = event_ids
        loop.completed_beads[tag] = bead_id
        batches += 1
    loop.runs_with_batches += batches > 0


def _open_and_check(bd: BdRunner, loop: KillLoop, run: int) -> None:
    """After a kill the store must load and hold every batch reported complete so far."""
    if run % 20 == 0:
        listing = bd("list", "--all", "--json")
        present = _ids(listing.json())
    else:
        with BeadsStore(StorePaths(bd.beads_dir), report=loop.reader_reports.append) as store:
            present = {bead for bead in loop.completed_beads.values() if store.exists(bead)}
    missing = set(loop.completed_beads.values()) - present
    assert not missing, f"after run {run}: completed batches lost: {sorted(missing)[:5]}"


def _died(run: int, proc: subprocess.Popen, stderr: Path) -> str:
    proc.wait(timeout=30)
    errors = stderr.read_text(errors="replace")
    return f"run {run}: the writer exited {proc.returncode} on its own:\n{errors}"


def _run_kill_loop(bd: BdRunner, shared: list[str], stderr: Path) -> KillLoop:
    rng = random.Random(SEED)
    loop = KillLoop()
    for run in range(KILLS):
        fault = run % 10 == 9
        proc = _start_writer(bd, run, shared, fault, stderr)
        try:
            if fault:  # dies by itself half-way through its first batch
                output, _ = proc.communicate(timeout=30)
                assert proc.returncode == -signal.SIGKILL, _died(run, proc, stderr)
                loop.fault_runs += 1
            else:
                assert proc.stdout is not None
                if rng.random() < 0.25:  # anywhere from start-up to the first batches
                    head = b""
                    time.sleep(rng.uniform(0, 0.08))
                else:  # while it is committing batches
                    head = proc.stdout.readline()
                    assert head == b"ready\n", _died(run, proc, stderr)
                    time.sleep(rng.uniform(0, 0.03))
                proc.send_signal(signal.SIGKILL)
                output = head + proc.stdout.read()
                proc.wait(timeout=30)
                assert proc.returncode == -signal.SIGKILL, _died(run, proc, stderr)
                loop.killed_runs += 1
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        _record_output(loop, output)
        _open_and_check(bd, loop, run)
    return loop


@pytest.mark.slow
def test_two_hundred_random_sigkills_lose_no_completed_batch(
    bd: BdRunner, bd_factory: Callable[[str], BdRunner], tmp_path: Path
) -> None:
    shared = [bd("create", f"shared {n}", "--json").json()["id"] for n in range(3)]
    setup_lines = _log_path(bd).read_bytes().splitlines()
    started = time.monotonic()
    loop = _run_kill_loop(bd, shared, tmp_path / "writer.stderr")
    elapsed = time.monotonic() - started
    assert loop.fault_runs + loop.killed_runs == KILLS
    assert loop.runs_with_batches > KILLS // 4, "the kills hardly ever hit a working writer"

    # One last normal writer mends a torn tail, if a fault run left one at the very end.
    bd("create", "after the loop", "--json")
    listing = bd("list", "--all", "--json")
    assert _ids(listing.json()) >= set(loop.completed_beads.values())

    raw = _log_path(bd).read_bytes()
    assert raw.endswith(b"\n")
    lines = raw[:-1].split(b"\n")
    assert lines[: len(setup_lines)] == setup_lines, "the setup events changed"
    events: list[dict[str, Any]] = []
    fragments: list[tuple[int, bytes]] = []
    for number, line in enumerate(lines, 1):
        try:
            events.append(json.loads(line))
        except ValueError:
            fragments.append((number, line))
    glued = [n for n, line in fragments if line.count(b'{"v":') > 1]
    assert not glued, f"fragments glued to the next event at lines {glued}"
    assert not [n for n, line in fragments if not line.startswith(b"{")], "not a fragment"
    # GT_FAULT tears one line per run; a plain SIGKILL can tear one too (Linux may cut a
    # write() short at a page boundary when the writer is killed), which the protocol allows.
    assert len(fragments) <= KILLS
    from_kills = [n for n, line in fragments if not (_fault_tag(line) or _fault_tag(lines[n - 2]))]
    stamps = [event["ts"] for event in events]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps), "ts went backwards"
    counts = Counter(event["id"] for event in events)
    assert not [i for i, n in counts.items() if n > 1], "an event appears twice"

    # Every batch reported complete is in the log, with exactly its events.
    in_log: dict[str, list[str]] = defaultdict(list)
    sizes: dict[str, int] = {}
    for event in events:
        if event["actor"].startswith(BATCH_ACTOR):
            tag, size = event["actor"][len(BATCH_ACTOR) :].split("/")
            in_log[tag].append(event["id"])
            sizes[tag] = int(size)
    lost = {tag: ids for tag, ids in loop.completed.items() if in_log.get(tag) != ids}
    assert not lost, f"completed batches missing from the log: {list(lost)[:5]}"
    partial_in_log = sorted(tag for tag, ids in in_log.items() if len(ids) != sizes[tag])

    # The projection holds each batch wholly or not at all, and equals a rebuild.
    live = _export(bd)
    effects = _batch_effects(bd, set(in_log), sizes, shared)
    partial_in_projection = [tag for tag, flags in effects.items() if 0 < sum(flags) < len(flags)]
    whole_in_log = {tag for tag, ids in in_log.items() if len(ids) == sizes[tag]}
    missing = sorted(tag for tag in whole_in_log if not any(effects[tag]))
    assert not missing, f"whole batches in the log but not in the projection: {missing[:5]}"
    not_reported = sorted(set(in_log) - set(loop.completed))
    print(
        f"{KILLS} runs ({loop.fault_runs} with GT_FAULT) in {elapsed:.1f}s: "
        f"{len(loop.completed)} batches reported complete, {len(in_log)} in the log "
        f"({len(not_reported)} committed but unreported), {len(fragments)} fragments "
        f"({len(from_kills)} not from GT_FAULT runs)"
    )
    rebuilt = bd("rebuild", "--json").json()
    torn_events = sum(len(in_log[tag]) for tag in partial_in_log)
    assert rebuilt["events"] == len(events) - torn_events
    assert rebuilt["malformed_lines"] == len(fragments)
    assert rebuilt["torn_batches"] == len(partial_in_log)
    assert _export(bd) == live, "the live projection differs from a rebuild"
    fresh = bd_factory("fresh")
    fresh.beads_dir.mkdir()
    for name in ("events.jsonl", "config.toml"):
        shutil.copy2(bd.beads_dir / name, fresh.beads_dir / name)
    assert _export(fresh) == live, "a fresh store built from the log differs from the live one"

    # Last, so that every other property is checked first: batch atomicity in the projection.
    torn_runs = sorted({int(tag[1:4]) for tag in partial_in_projection})
    assert not partial_in_projection, (
        f"torn batches were partly applied: {len(partial_in_projection)} batches are partly in "
        f"the projection ({partial_in_projection[:5]}), from runs {torn_runs} "
        f"({'all' if all(r % 10 == 9 for r in torn_runs) else 'not only'} GT_FAULT runs); "
        f"{len(partial_in_log)} batches have only some of their events as whole log lines "
        f"({partial_in_log[:5]})"
    )


def _fault_tag(text: bytes) -> bool:
    """Does this (part of a) line hold the actor of a GT_FAULT run (every tenth run)?"""
    match = re.search(rb'"actor":"batch-writer/r(\d{3})b', text)
    return bool(match) and int(match[1]) % 10 == 9


def _batch_effects(
    bd: BdRunner, tags: set[str], sizes: dict[str, int], shared: list[str]
) -> dict[str, list[bool]]:
    """For each batch, which of its effects the projection shows (one flag per event)."""
    with BeadsStore(StorePaths(bd.beads_dir)) as store:
        by_title: dict[str, dict[str, Any]] = {}
        for line in _export(bd).splitlines():
            record = json.loads(line)
            if record["title"] in tags:
                full = store.get(record["id"])
                assert full is not None
                by_title[record["title"]] = full
        metadata: dict[str, Any] = {}
        for bead_id in shared:
            record = store.get(bead_id)
            assert record is not None
            metadata.update(record.get("metadata") or {})
    found = {}
    for tag in sorted(tags):
        record = by_title.get(tag, {})
        labels = set(record.get("labels") or [])
        effects = [
            bool(record),
            f"L-{tag}" in labels,
            tag in [c.get("text") for c in record.get("comments") or []],
            metadata.get(tag) == sizes[tag],
        ]
        if sizes[tag] == 5:
            effects.append(f"M-{tag}" in labels)
        found[tag] = effects
    return found
