"""What a writer promises when it reports success, and what a reader reads (DESIGN §3):

- the batch is on disk: the log append is fsynced before `bd` prints its answer (seen with
  strace on the real CLI);
- a failed transaction whose ROLLBACK fails too still raises the error that caused it;
- a catch-up reads the log through one open file, so a log replaced by rename (a `git pull`)
  between the offset check and the tail read is never half one file and half the other;
- a writer that waits for the writers' lock says who holds it.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pytest
from town_fixtures import eventually

from gastown_tui.core.clock import FixedClock
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.file_lock import exclusive_lock
from gastown_tui.store.write_transaction import write_transaction

if TYPE_CHECKING:
    from conftest import BdRunner


def _store(folder: Path, seed: int = 7) -> BeadsStore:
    return BeadsStore.initialize(folder / ".beads", "t", clock=FixedClock(),
                                 rng=random.Random(seed))  # fmt: skip


def _create(store: BeadsStore, title: str) -> str:
    with write_transaction(store, "overseer") as tx:
        bead_id = tx.new_id(title)
        ts = tx.stamp()
        tx.emit("create", bead_id, {"record": {"id": bead_id, "title": title, "status": "open",
                                               "priority": 2, "created_at": ts}}, ts)  # fmt: skip
    return bead_id


def _ids_in_projection(store: BeadsStore) -> set[str]:
    return {row[0] for row in store.connection.execute("SELECT id FROM beads")}


def _ids_in_log(path: Path) -> set[str]:
    return {orjson.loads(line)["bead"] for line in path.read_bytes().splitlines()}


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_a_create_is_fsynced_before_bd_prints_its_id(bd: BdRunner, tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    done = subprocess.run(
        ["strace", "-f", "-qq", "-y", "-s", "0", "-e", "trace=write,fsync,fdatasync",
         "-o", str(trace), sys.executable, "-m", "gastown_tui.cli.bd_main", "create", "Durable"],
        cwd=bd.cwd, env=bd.env, capture_output=True, timeout=120,
    )  # fmt: skip
    if done.returncode != 0 and b"ptrace" in done.stderr:
        pytest.skip(f"strace cannot trace here: {done.stderr.decode()[:200]}")
    assert done.returncode == 0, done.stderr
    calls = trace.read_text().splitlines()
    log = re.compile(r"<[^>]*/\.beads/events\.jsonl>")
    appended = next(n for n, call in enumerate(calls) if "write(" in call and log.search(call))
    synced = [n for n, call in enumerate(calls)
              if re.search(r"\b(fsync|fdatasync)\(", call) and log.search(call)]  # fmt: skip
    answered = next(n for n, call in enumerate(calls) if re.search(r"\bwrite\(1<", call))
    assert synced and appended < synced[0] < answered, "\n".join(calls)


def test_a_failed_rollback_never_hides_the_error_that_caused_it(tmp_path: Path) -> None:
    store = _store(tmp_path)
    kept = _create(store, "kept")

    class Broken(Exception):
        pass

    with pytest.raises(Broken) as raised, write_transaction(store, "overseer") as tx:
        tx.emit("update", kept, {"set": {"title": "never written"}})
        # SQLite ends a transaction by itself on a full disk or an interrupt; the ROLLBACK
        # that follows then fails with "no transaction is active".
        store.connection.execute("ROLLBACK")
        raise Broken("the disk is full")
    assert str(raised.value) == "the disk is full"
    assert any("ROLLBACK" in note and "no transaction is active" in note
               for note in getattr(raised.value, "__notes__", []))  # fmt: skip
    assert store.get(kept)["title"] == "kept"  # type: ignore[index]
    assert _create(store, "next")  # the store goes on


def test_a_catch_up_checks_and_reads_the_same_file(tmp_path: Path) -> None:
    origin = _store(tmp_path / "origin")
    for n in range(4):
        _create(origin, f"origin {n}")
    *applied, tail = origin.paths.events.read_bytes().splitlines(keepends=True)
    # This clone has the first three events applied; a fast-forward pull then appends the tail.
    reader = _store(tmp_path / "here")
    reader.paths.events.write_bytes(b"".join(applied))
    reader.projection.catch_up()
    with reader.paths.events.open("ab") as handle:
        handle.write(tail)
    # Before the tail is read, the next pull replaces the file: another history of the same
    # length (another clone's three events) and the tail. Read at the old offset, the new file
    # gives well-formed lines; only the check of the last applied line can tell them apart.
    other = _store(tmp_path / "other", seed=8)
    for n in range(3):
        _create(other, f"theirs {n}")
    theirs = other.paths.events.read_bytes()
    assert len(theirs) == len(b"".join(applied)) and theirs != b"".join(applied)
    merged = tmp_path / "merged.jsonl"
    merged.write_bytes(theirs + tail)

    events = str(reader.paths.events)
    opens: list[str] = []

    def replace_on_second_open(name: str, args: tuple[Any, ...]) -> None:
        # Runs before the open itself: the second open of the log in one catch-up finds the
        # file git put there in the meantime.
        if name == "open" and opens is not None and str(args[0]) == events:
            opens.append(events)
            if len(opens) == 2 and merged.exists():
                merged.replace(events)

    sys.addaudithook(replace_on_second_open)
    try:
        reader.projection.catch_up()
    finally:
        counted, opens = len(opens), None  # type: ignore[assignment]
    assert counted >= 2 and not merged.exists(), "replaced while the catch-up ran"
    reader.projection.catch_up()
    assert _ids_in_projection(reader) == _ids_in_log(reader.paths.events)
    problems = reader.connection.execute("SELECT COUNT(*) FROM problems").fetchone()[0]
    assert problems == 0, "no line read from the middle of another file's line"


def test_a_writer_waiting_for_the_lock_says_who_holds_it(bd: BdRunner, tmp_path: Path) -> None:
    stderr = tmp_path / "stderr"
    with exclusive_lock(bd.beads_dir / "events.lock"), stderr.open("wb") as sink:
        writer = subprocess.Popen([sys.executable, "-m", "gastown_tui.cli.bd_main", "create",
                                   "Patient"], cwd=bd.cwd, env=bd.env, stdout=subprocess.PIPE,
                                  stderr=sink)  # fmt: skip
        said = eventually(stderr.read_text, what="the wait reported", timeout=30)
        assert writer.poll() is None, "still waiting"
    out, _ = writer.communicate(timeout=60)
    assert writer.returncode == 0 and out
    assert "waiting for the lock" in said and "events.lock" in said, said
    holder = re.search(r"held by pid (\d+) \((.*)\) since (\S+)", said)
    assert holder is not None, said
    assert int(holder[1]) == os.getpid() and holder[2].strip(), said
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", holder[3]), said
