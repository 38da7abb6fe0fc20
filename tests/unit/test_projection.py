"""The log protocol: set-based order, duplicates, replaced files, torn tails, unknown ops."""

from __future__ import annotations

import random
import shutil
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from gastown_tui.core.clock import FixedClock
from gastown_tui.store.bead_queries import all_records
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.store_paths import StorePaths
from gastown_tui.store.write_transaction import rebuild_projection, write_transaction


def _store(
    root: Path, clock: FixedClock | None = None, problems: list[str] | None = None
) -> BeadsStore:
    sink = problems if problems is not None else []
    return BeadsStore.initialize(
        root / ".beads", "t", clock=clock or FixedClock(), rng=random.Random(3), report=sink.append
    )


def _create(store: BeadsStore, title: str, actor: str = "overseer") -> str:
    with write_transaction(store, actor) as tx:
        bead_id = tx.new_id(title)
        ts = tx.stamp()
        tx.emit("create", bead_id, {"record": {"id": bead_id, "title": title, "status": "open",
                                               "priority": 2, "created_at": ts}}, ts)  # fmt: skip
    return bead_id


def _retitle(store: BeadsStore, bead_id: str, title: str) -> None:
    with write_transaction(store, "overseer") as tx:
        tx.emit("update", bead_id, {"set": {"title": title}})


def _rebuilds(store: BeadsStore) -> int:
    return int(store.connection.execute("SELECT rebuilds FROM position").fetchone()[0])


def _lines(store: BeadsStore) -> list[bytes]:
    return store.paths.events.read_bytes().splitlines(keepends=True)


def _reopen(root: Path, problems: list[str] | None = None) -> BeadsStore:
    sink = problems if problems is not None else []
    return BeadsStore(StorePaths(root / ".beads"), clock=FixedClock(), report=sink.append)


def test_state_is_a_function_of_the_set_of_events(tmp_path: Path) -> None:
    clock = FixedClock()
    store = _store(tmp_path / "a", clock)
    ids = [_create(store, f"bead {n}") for n in range(5)]
    for round_ in range(3):
        for bead_id in ids:
            clock.advance(1)
            _retitle(store, bead_id, f"{bead_id} round {round_}")
    expected = all_records(store.connection)
    lines = _lines(store)
    random.Random(9).shuffle(lines)
    other = tmp_path / "b" / ".beads"
    other.mkdir(parents=True)
    shutil.copy(store.paths.config, other / "config.toml")
    (other / "events.jsonl").write_bytes(b"".join(lines))
    shuffled = _reopen(tmp_path / "b")
    assert all_records(shuffled.connection) == expected
    assert [r["title"] for r in expected] == [f"{r['id']} round 2" for r in expected]


def test_duplicate_events_apply_once(tmp_path: Path) -> None:
    store = _store(tmp_path)
    bead_id = _create(store, "once")
    with write_transaction(store, "overseer") as tx:
        tx.emit("comment_add", bead_id, {"comment": {"id": "c1", "text": "hello"}})
    duplicate = _lines(store)[-1]
    with store.paths.events.open("ab") as handle:
        handle.write(duplicate)
    reopened = _reopen(tmp_path)
    record = reopened.get(bead_id)
    assert record is not None and len(record["comments"]) == 1
    assert reopened.connection.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 2


def test_an_older_event_merged_in_later_loses_to_the_newer_one(tmp_path: Path) -> None:
    clock = FixedClock()
    store = _store(tmp_path, clock)
    bead_id = _create(store, "original")
    clock.advance(10)
    _retitle(store, bead_id, "newest")
    old = {
        "v": 1, "id": "00000000000000000000000000", "ts": "2026-01-01T00:00:05.000000Z",
        "actor": "mayor", "op": "update", "bead": bead_id, "data": {"set": {"title": "older"}},
    }  # fmt: skip
    with store.paths.events.open("ab") as handle:
        handle.write(orjson.dumps(old) + b"\n")
    before = _rebuilds(store)
    store.projection.catch_up()
    assert store.get(bead_id)["title"] == "newest"  # type: ignore[index]
    assert _rebuilds(store) == before + 1


def test_a_replaced_file_with_the_same_prefix_applies_only_the_tail(tmp_path: Path) -> None:
    clock = FixedClock()
    store = _store(tmp_path, clock)
    first = _create(store, "first")
    clone_dir = tmp_path / "clone"
    shutil.copytree(tmp_path / ".beads", clone_dir / ".beads")
    clone = _reopen(clone_dir)
    clock.advance(5)
    clone.clock = clock
    second = _create(clone, "second")
    before = _rebuilds(store)
    replacement = tmp_path / "pulled.jsonl"
    shutil.copy(clone.paths.events, replacement)
    replacement.replace(store.paths.events)  # as git does: a new file, not an append
    store.projection.catch_up()
    assert store.get(second) is not None and store.get(first) is not None
    assert _rebuilds(store) == before


def test_a_replaced_file_with_different_history_is_rebuilt(tmp_path: Path) -> None:
    store = _store(tmp_path)
    kept = _create(store, "kept")
    lost = _create(store, "gone after the pull")
    lines = _lines(store)
    store.paths.events.write_bytes(lines[0])
    before = _rebuilds(store)
    store.projection.catch_up()
    assert store.get(kept) is not None and store.get(lost) is None
    assert _rebuilds(store) == before + 1


def test_torn_tail_is_left_to_readers_and_mended_by_the_next_writer(tmp_path: Path) -> None:
    problems: list[str] = []
    store = _store(tmp_path, problems=problems)
    _create(store, "before the crash")
    with store.paths.events.open("ab") as handle:
        handle.write(b'{"v":1,"id":"01TORN","ts":"2026-')
    reader = _reopen(tmp_path, problems)
    assert problems == []  # a reader cannot tell torn from in-flight: it waits
    after = _create(reader, "after the crash")
    assert reader.get(after) is not None
    assert len(problems) == 1
    assert problems[0].startswith(f"{reader.paths.events}:2: invalid JSON")
    lines = _lines(reader)
    assert lines[1] == b'{"v":1,"id":"01TORN","ts":"2026-\n'
    assert orjson.loads(lines[2])["op"] == "create"
    assert reader.connection.execute("SELECT COUNT(*) FROM problems").fetchone()[0] == 1


def test_unknown_ops_and_malformed_lines_are_kept_counted_and_reported(tmp_path: Path) -> None:
    problems: list[str] = []
    store = _store(tmp_path, problems=problems)
    bead_id = _create(store, "x")
    future = {"v": 2, "id": "01ZZZZZZZZZZZZZZZZZZZZZZZZ", "ts": "2099-01-01T00:00:00.000000Z",
              "actor": "mayor", "op": "teleport", "bead": bead_id, "data": {"to": "mars"},
              "extra": True}  # fmt: skip
    with store.paths.events.open("ab") as handle:
        handle.write(b"[1,2]\n" + orjson.dumps(future) + b"\n")
    store.projection.catch_up()
    assert problems == [f"{store.paths.events}:2: not a JSON object"]
    assert store.projection.position().unknown_ops == 1
    ops = [row[0] for row in store.connection.execute("SELECT op FROM events ORDER BY seq")]
    assert ops == ["create", "teleport"]
    assert store.get(bead_id)["title"] == "x"  # type: ignore[index]


def test_timestamps_stay_strictly_increasing_when_the_clock_steps_back(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 6, 1, tzinfo=UTC))
    store = _store(tmp_path, clock)
    _create(store, "one")
    clock.current = datetime(2026, 1, 1, tzinfo=UTC)
    _create(store, "two")
    _create(store, "three")
    stamps = [orjson.loads(line)["ts"] for line in _lines(store)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    assert stamps[0] == "2026-06-01T00:00:00.000000Z"


def test_a_batch_is_one_write_and_all_or_nothing(tmp_path: Path) -> None:
    store = _store(tmp_path)
    bead_id = _create(store, "batch")
    size = store.paths.events.stat().st_size
    try:
        with write_transaction(store, "overseer") as tx:
            tx.emit("update", bead_id, {"set": {"title": "half"}})
            raise RuntimeError("validation failed after the first event")
    except RuntimeError:
        pass
    assert store.paths.events.stat().st_size == size
    assert store.get(bead_id)["title"] == "batch"  # type: ignore[index]


def _batch_lines(store: BeadsStore, bead_id: str, titles: list[str]) -> list[bytes]:
    """Commit one multi-event batch and return its log lines (then cut them from the log)."""
    size = store.paths.events.stat().st_size
    with write_transaction(store, "overseer") as tx:
        for title in titles:
            tx.emit("update", bead_id, {"set": {"title": title}})
    data = store.paths.events.read_bytes()
    with store.paths.events.open("r+b") as handle:
        handle.truncate(size)
    return data[size:].splitlines(keepends=True)


def test_a_batch_still_being_written_is_not_applied_until_complete(tmp_path: Path) -> None:
    store = _store(tmp_path / "writer")
    bead_id = _create(store, "before")
    lines = _batch_lines(store, bead_id, ["one", "two", "three"])
    assert all(orjson.loads(line)["batch"]["size"] == 3 for line in lines)
    shutil.copytree(store.paths.root, tmp_path / "reader" / ".beads",
                    ignore=shutil.ignore_patterns("beads.db*"))  # fmt: skip
    reader = _reopen(tmp_path / "reader")  # projected up to the batch
    assert reader.get(bead_id)["title"] == "before"  # type: ignore[index]
    with reader.paths.events.open("ab") as handle:
        handle.write(lines[0] + lines[1])  # the writer is half-way through its write()
    reader.projection.catch_up()
    assert reader.get(bead_id)["title"] == "before"  # type: ignore[index]
    with reader.paths.events.open("ab") as handle:
        handle.write(lines[2])
    reader.projection.catch_up()
    assert reader.get(bead_id)["title"] == "three"  # type: ignore[index]
    assert _rebuilds(reader) == 1  # the first build only: the batch came in through the tail


def test_a_torn_batch_in_a_merged_log_is_skipped_and_reported(tmp_path: Path) -> None:
    clock = FixedClock()
    store = _store(tmp_path, clock)
    bead_id = _create(store, "start")
    clock.advance(1)
    torn = _batch_lines(store, bead_id, ["torn one", "torn two"])
    clock.advance(1)
    whole = _batch_lines(store, bead_id, ["whole one", "whole two"])
    head = store.paths.events.read_bytes()
    # a clone's later event first, then the complete batch, then the torn one's first line
    store.paths.events.write_bytes(head + whole[1] + whole[0] + torn[0] + b"{broken\n")
    problems: list[str] = []
    merged = _reopen(tmp_path, problems)
    assert merged.get(bead_id)["title"] == "whole two"  # type: ignore[index]
    assert any(":4: torn batch: 1 of 2 events" in problem for problem in problems), problems
    assert any(":5: invalid JSON" in problem for problem in problems), problems


def test_a_corrupt_projection_is_rebuilt_from_the_log(tmp_path: Path) -> None:
    store = _store(tmp_path)
    bead_id = _create(store, "survives")
    store.close()
    database = tmp_path / ".beads" / "beads.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    database.write_bytes(b"this is not a database" * 300)
    reopened = _reopen(tmp_path)
    assert reopened.get(bead_id)["title"] == "survives"  # type: ignore[index]


def test_events_with_wrongly_typed_fields_are_reported_on_rebuild_and_on_catch_up(
    tmp_path: Path,
) -> None:
    problems: list[str] = []
    store = _store(tmp_path, problems=problems)
    bead_id = _create(store, "kept")
    base = {"v": 1, "ts": "2099-01-01T00:00:00.000000Z", "actor": "mayor", "op": "update",
            "bead": bead_id, "data": {"set": {"title": "changed"}}}  # fmt: skip
    bad = [
        {**base, "id": "01ZZZZZZZZZZZZZZZZZZZZZZZ1", "bead": None},
        {**base, "id": "01ZZZZZZZZZZZZZZZZZZZZZZZ2", "data": "set title"},
        {**base, "id": "01ZZZZZZZZZZZZZZZZZZZZZZZ3", "op": ""},
    ]
    with store.paths.events.open("ab") as handle:
        handle.write(b"".join(orjson.dumps(event) + b"\n" for event in bad))
    store.projection.catch_up()
    expected = [
        f"{store.paths.events}:2: 'bead' is not a string",
        f"{store.paths.events}:3: 'data' is not an object",
        f"{store.paths.events}:4: missing or empty 'op'",
    ]
    assert problems == expected
    assert store.get(bead_id)["title"] == "kept"  # type: ignore[index]
    store.close()
    (tmp_path / ".beads" / "beads.db").unlink()
    rebuilt_problems: list[str] = []
    rebuilt = _reopen(tmp_path, rebuilt_problems)
    assert rebuilt_problems == expected
    assert rebuilt.get(bead_id)["title"] == "kept"  # type: ignore[index]


def _edge_rows(store: BeadsStore) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    deps = store.connection.execute("SELECT * FROM deps ORDER BY 1, 2, 3").fetchall()
    labels = store.connection.execute("SELECT * FROM labels ORDER BY 1, 2").fetchall()
    return deps, labels


def test_deps_and_labels_rows_written_by_catch_up_equal_a_rebuild(tmp_path: Path) -> None:
    """Catch-up writes only the rows that changed; a rebuild writes them all: the same rows."""
    rng = random.Random(7)
    store = _store(tmp_path)
    ids = [_create(store, f"bead {n}") for n in range(12)]
    # repeated rows arrive by import: kept as given
    with write_transaction(store, "overseer") as tx:
        tx.emit("update", ids[0], {"set": {"labels": ["dup", "dup"], "dependencies": [
            {"issue_id": ids[0], "depends_on_id": ids[1], "type": "blocks"},
            {"issue_id": ids[0], "depends_on_id": ids[1], "type": "blocks"}]}})  # fmt: skip
    for _ in range(150):
        bead_id, other = rng.sample(ids, 2)
        label = rng.choice(["a", "b", "c", "dup"])
        op, data = rng.choice([
            ("label_add", {"label": label}),
            ("label_remove", {"label": label}),
            ("dep_add", {"dependency": {"issue_id": bead_id, "depends_on_id": other,
                                        "type": rng.choice(["blocks", "related"])}}),
            ("dep_remove", {"depends_on_id": other}),
        ])  # fmt: skip
        with write_transaction(store, "overseer") as tx:
            tx.emit(op, bead_id, data)
    incremental = _edge_rows(store)
    assert incremental[0] and incremental[1]
    store.close()
    (tmp_path / ".beads" / "beads.db").unlink()
    assert _edge_rows(_reopen(tmp_path)) == incremental


def test_a_rebuild_restores_indexes_cache_and_checkpointing_after_its_bulk_write(
    tmp_path: Path,
) -> None:
    store = _store(tmp_path)
    _create(store, "one")

    def settings() -> tuple[int, int, list[str]]:
        connection = store.connection
        indexes = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY 1"
        ).fetchall()
        return (
            connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0],
            connection.execute("PRAGMA cache_size").fetchone()[0],
            [name for (name,) in indexes],
        )

    before, rebuilds = settings(), _rebuilds(store)
    assert before[0] > 0 and len(before[2]) >= 7
    rebuild_projection(store)
    assert settings() == before
    assert _rebuilds(store) == rebuilds + 1

    def refuse(message: str) -> None:
        raise RuntimeError(message)

    store.projection.report = refuse  # a rebuild that fails half-way is rolled back...
    with store.paths.events.open("ab") as handle:
        handle.write(b"not json\n")
    with pytest.raises(RuntimeError, match="invalid JSON"):
        rebuild_projection(store)
    assert settings() == before  # ...and leaves the connection as it found it
    assert _rebuilds(store) == rebuilds + 1
