"""The feed's engine: the line index of the log and the filter, on real files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import BdRunner

from gastown_tui.store.feed_reader import QueryError, events_after, parse_event, parse_query
from gastown_tui.store.log_index import LogIndex


def event(n: int, op: str = "update", actor: str = "web/polecats/nux", **data: object) -> bytes:
    line = {"v": 1, "id": f"E{n:05d}", "ts": f"2026-01-01T00:00:{n % 60:02d}Z", "actor": actor,
            "op": op, "bead": f"web-{n}", "data": data}  # fmt: skip
    return json.dumps(line).encode() + b"\n"


def write(path: Path, *lines: bytes) -> None:
    with path.open("ab") as handle:
        handle.write(b"".join(lines))


def test_the_index_follows_appends_truncation_and_replacement(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    index = LogIndex(log)
    assert index.refresh() is False and len(index) == 0, "a missing log is an empty one"
    write(log, *(event(n) for n in range(5)), b'{"torn": ')  # the last line is being written
    seen: list[tuple[int, int]] = []
    assert index.refresh(progress=lambda done, total: seen.append((done, total))) is False
    assert len(index) == 5 and seen[-1][0] == index.indexed < seen[-1][1]
    assert json.loads(index.line(4))["bead"] == "web-4"
    write(log, b'"rest"}\n', event(6))
    assert index.refresh() is False and len(index) == 7, "the torn line completed, one more"
    assert index.lines(5, 7) == [b'{"torn": "rest"}', event(6).rstrip(b"\n")]
    log.write_bytes(event(100))  # truncated
    assert index.refresh() is True and len(index) == 1
    replacement = tmp_path / "events.jsonl.new"
    replacement.write_bytes(event(200) + event(201))
    os.replace(replacement, log)  # replaced by atomic rename: same size class, new inode
    assert index.refresh() is True and len(index) == 2
    assert json.loads(index.line(0))["bead"] == "web-200"


def test_rows_say_what_happened_and_a_bad_line_is_a_row_not_an_error() -> None:
    row = parse_event(event(1, "sling", "overseer", rig="web", set={"status": "hooked"}))
    assert (row.op, row.rig, row.bead) == ("sling", "web", "web-1")
    assert "status=hooked" in row.summary and not row.malformed
    assert parse_event(event(2, actor="api/polecats/toast")).rig == "api", "from the actor"
    bad = parse_event(b"{not json")
    assert bad.malformed and "unreadable line" in bad.summary


def test_the_filter_combines_words_regex_type_rig_and_actor() -> None:
    lines = [event(1, "sling", "overseer", rig="web", text="Deploy NOW"),
             event(2, "nudge", "deacon", rig="web", text="wake up"),
             event(3, "nudge", "deacon", rig="api", text="wake up"),
             event(4, "close", "web/polecats/nux", set={"status": "closed"})]  # fmt: skip

    def kept(text: str) -> list[int]:
        query = parse_query(text)
        return [n for n, line in enumerate(lines, 1) if query.matches(line, parse_event(line))]

    assert kept("") == [1, 2, 3, 4] and parse_query("  ").empty
    assert kept("type:nudge") == [2, 3] and kept("type:nudge rig:api") == [3]
    assert kept("deploy") == [1], "words ignore case"
    assert kept("/wake\\s+up/ rig:web") == [2]
    assert kept("actor:web/polecats") == [4]
    with pytest.raises(QueryError, match="bad regex"):
        parse_query("/[unclosed/")


def test_events_after_an_offset_leave_a_line_being_written(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    write(log, event(1), event(2), b'{"half')
    rows, offset = events_after(log, 0)
    assert [r.bead for r in rows] == ["web-1", "web-2"] and offset == len(event(1) + event(2))
    assert events_after(log, offset) == ([], offset)


def test_the_feed_reads_the_same_events_before_and_after_a_rebuild(bd: BdRunner) -> None:
    bd("init", "--prefix", "web")
    first = bd("create", "Fix the login", "--json").json()["id"]
    bd("update", first, "--status", "in_progress")
    bd("close", first, "--reason", "done")
    log = bd.beads_dir / "events.jsonl"
    before, offset = events_after(log, 0)
    bd("rebuild")
    after, again = events_after(log, 0)
    assert after == before and again == offset and len(before) >= 3
    (database,) = [p for p in bd.beads_dir.iterdir() if p.name == "beads.db"]
    database.unlink()  # the projection gone entirely: the feed never needed it
    assert events_after(log, 0) == (before, offset)
