"""A log replaced while readers run (DESIGN §3, the log protocol; §8, `gt sync`).

`gt sync` merges the log with git while it holds the writers' lock, and git rewrites the file in
place: for a moment it is missing or half written. A reader that finds its position gone must
rebuild, and it must not rebuild from that half file. It waits for the writers' lock (readers
that only apply a tail never take it), so it rebuilds from the file as the merge left it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from gastown_tui.store.file_lock import exclusive_lock

if TYPE_CHECKING:
    from conftest import BdRunner


def _lock_waiters(path: Path) -> int:
    """How many processes wait in flock() for `path` (Linux: blocked locks in /proc/locks)."""
    inode = str(path.stat().st_ino)
    waiting = 0
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) > 6 and fields[1] == "->" and fields[6].split(":")[-1] == inode:
            waiting += 1
    return waiting


def _wait_for_waiter(path: Path, reader: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while _lock_waiters(path) == 0:
        if reader.poll() is not None:
            out, err = reader.communicate()
            raise AssertionError(f"the reader did not wait for the lock: {out!r} {err!r}")
        assert time.monotonic() < deadline, "the reader never waited for the writers' lock"
        time.sleep(0.02)


def test_a_reader_rebuilds_from_the_merged_log_not_the_half_written_one(bd: BdRunner) -> None:
    for title in ("alpha", "beta", "gamma"):
        bd("create", title)
    log = bd.beads_dir / "events.jsonl"
    ours = log.read_bytes()
    # What a union merge writes: our lines, then a clone's bead created earlier than ours.
    first = orjson.loads(ours.splitlines()[0])
    theirs = {**first, "id": "00000000000000000000000000", "bead": "t-clone",
              "data": {"record": {"id": "t-clone", "title": "from the clone", "status": "open",
                                  "priority": 2, "issue_type": "task"}}}  # fmt: skip
    merged = orjson.dumps(theirs) + b"\n" + ours
    with exclusive_lock(bd.beads_dir / "events.lock"):  # gt sync, mid-merge
        log.write_bytes(merged[: len(merged) // 2])
        reader = subprocess.Popen(
            [sys.executable, "-m", "gastown_tui.cli.bd_main", "list", "--json"],
            cwd=bd.cwd, env=bd.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        _wait_for_waiter(bd.beads_dir / "events.lock", reader)
        log.write_bytes(merged)
    out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    titles = sorted(record["title"] for record in orjson.loads(out))
    assert titles == ["alpha", "beta", "from the clone", "gamma"]
    assert err == b""  # no half line was ever read, so none was reported


def test_a_reader_applying_a_tail_never_waits_for_writers(bd: BdRunner) -> None:
    bd("create", "first")
    log = bd.beads_dir / "events.jsonl"
    first = orjson.loads(log.read_bytes().splitlines()[0])
    later = {**first, "id": "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "ts": "2099-01-01T00:00:00.000000Z",
             "bead": "t-next", "data": {"record": {"id": "t-next", "title": "second",
                                                   "status": "open", "priority": 2}}}  # fmt: skip
    with exclusive_lock(bd.beads_dir / "events.lock"):  # a writer holds the lock...
        with log.open("ab") as handle:
            handle.write(orjson.dumps(later) + b"\n")  # ...and has appended its batch
        listed = bd("list", "--json")  # a tail: applied without waiting for the lock
    assert sorted(record["title"] for record in listed.json()) == ["first", "second"]
