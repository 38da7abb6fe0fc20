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


def test_a_saved_index_is_reused_only_while_it_describes_the_log(tmp_path: Path) -> None:
    log, cache = tmp_path / "events.jsonl", tmp_path / "beads.db-lineindex"
    write(log, *(event(n) for n in range(50)))
    built = LogIndex(log, cache)
    built.refresh()
    built.save_cache()
    write(log, event(50), event(51))
    reopened = LogIndex(log, cache)
    assert reopened.load_cache() and len(reopened) == 50, "the saved lines, no scan"
    assert reopened.refresh() is False and len(reopened) == 52, "only the appended bytes"
    assert reopened.lines(0, 52) == [*built.lines(0, 50), event(50)[:-1], event(51)[:-1]]
    rewritten = log.read_bytes().replace(b"E00000", b"X00000")  # same size, same inode
    with log.open("r+b") as handle:
        handle.write(rewritten)
    assert not LogIndex(log, cache).load_cache(), "rewritten in place: the head differs"
    built.refresh()
    built.save_cache()
    replacement = tmp_path / "events.new"
    replacement.write_bytes(log.read_bytes())
    os.replace(replacement, log)  # identical bytes, new inode
    assert not LogIndex(log, cache).load_cache(), "replaced: a new file"
    cache.write_bytes(b"garbage")
    assert not LogIndex(log, cache).load_cache()
    assert not LogIndex(log, tmp_path / "missing").load_cache()


def test_rows_carry_their_offset_and_a_malformed_line_is_reported(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    write(log, event(1), b"{broken\n", event(3))
    rows, _ = events_after(log, 0)
    assert [r.offset for r in rows] == [0, len(event(1)), len(event(1)) + len(b"{broken\n")]
    assert [r.malformed for r in rows] == [False, True, False]
    later, _ = events_after(log, rows[2].offset)
    assert later == [rows[2]]


def test_the_raw_precheck_never_drops_a_line_the_filter_keeps() -> None:
    lines = [event(1, "sling", "overseer", rig="web", text="Deploy NOW"),
             event(2, "nudge", "api/polecats/toast", text="Ünïcode wake up"),
             json.dumps({"op": "close", "actor": "web/witness", "bead": "web-3", "data": {
                 "text": "\u212a elvin \"quoted\""}}).encode(),  # json.dumps escapes non-ASCII
             b"{broken"]  # fmt: skip
    queries = ["type:sling", "type:close rig:web", "deploy", "ünïcode", "k elvin", "rig:api",
               "actor:api/polecats", "actor:web/", '"quoted"', "type:?", "/w.ke/"]  # fmt: skip
    dropped = 0
    for text in queries:
        query = parse_query(text)
        for line in lines:
            if query.matches(line, parse_event(line)):
                assert query.could_match(line), (text, line)
            dropped += not query.could_match(line)
    assert dropped >= 10, "the precheck does rule lines out"
