"""`bd label`, `bd comment(s)`, `bd rebuild`, `bd log` through the real command line.

Every test checks the `--json` output and the events the command appended to
`.beads/events.jsonl` (or that a refused command appended none).
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from bd_helpers import new, only_event, refused

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import BdRunner

ESC = b"\x1b"


# --- labels -----------------------------------------------------------------------------------


def test_label_add_and_remove(bd: BdRunner) -> None:
    new(bd, "t-a", "-l", "keep")
    n = len(bd.events())
    out = bd("label", "add", "t-a", "x", "z,y", "--actor", "alice", "--json").json()
    assert isinstance(out, list) and [v["id"] for v in out] == ["t-a"]
    assert out[0]["labels"] == ["keep", "x", "y", "z"]
    events = bd.new_events(n)
    assert [(e["op"], e["bead"], e["actor"], e["data"]) for e in events] == [
        ("label_add", "t-a", "alice", {"label": "x"}),
        ("label_add", "t-a", "alice", {"label": "y"}),
        ("label_add", "t-a", "alice", {"label": "z"}),
    ]

    n = len(bd.events())
    again = bd("label", "add", "t-a", "x", "--json").json()
    assert again[0]["labels"] == ["keep", "x", "y", "z"]
    assert bd.new_events(n) == [], "adding a label that is there logs nothing"

    n = len(bd.events())
    out = bd("label", "remove", "t-a", "x", "absent", "keep", "--json").json()
    assert out[0]["labels"] == ["y", "z"]
    assert [(e["op"], e["actor"], e["data"]) for e in bd.new_events(n)] == [
        ("label_remove", "overseer", {"label": "keep"}),
        ("label_remove", "overseer", {"label": "x"}),
    ]
    assert [v["id"] for v in bd("list", "-l", "y", "-l", "z", "--json").json()] == ["t-a"]
    assert bd("list", "-l", "x", "--json").json() == []
    assert bd("label", "add", "t-a", "w").stdout.strip() == "labelled t-a"


def test_label_on_unknown_bead_is_refused(bd: BdRunner) -> None:
    assert "no bead 't-nope'" in refused(bd, "label", "add", "t-nope", "x", "--json")
    assert "no bead 't-nope'" in refused(bd, "label", "remove", "t-nope", "x")


# --- comments ---------------------------------------------------------------------------------


def check_comment(bd: BdRunner, since: int, out: dict[str, Any], text: str, author: str) -> None:
    assert set(out) == {"id", "issue_id", "author", "text", "created_at"}
    assert (out["issue_id"], out["author"], out["text"]) == ("t-a", author, text)
    event = only_event(bd, since)
    assert (event["op"], event["bead"], event["actor"]) == ("comment_add", "t-a", author)
    assert event["data"] == {"comment": out}
    assert out["created_at"] == event["ts"]


def test_comment_add_with_text_argument(bd: BdRunner) -> None:
    new(bd, "t-a")
    n = len(bd.events())
    out = bd("comment", "add", "t-a", "looks good", "--actor", "alice", "--json").json()
    check_comment(bd, n, out, "looks good", "alice")
    shown = bd("show", "t-a", "--json").json()[0]
    assert shown["comment_count"] == 1
    assert shown["comments"] == [out]


def test_comment_add_from_file_and_from_dash(bd: BdRunner, tmp_path: Path) -> None:
    new(bd, "t-a")
    text = "from a file\nwith \x00 nul and \x1b[1m esc\n"
    path = tmp_path / "comment.txt"
    path.write_bytes(text.encode())
    n = len(bd.events())
    out = bd("comment", "add", "t-a", "--file", str(path), "--json").json()
    check_comment(bd, n, out, text, "overseer")
    n = len(bd.events())
    out = bd("comment", "add", "t-a", "--file", "-", "--json", input=b"dash input").json()
    check_comment(bd, n, out, "dash input", "overseer")
    assert "cannot read comment" in refused(bd, "comment", "add", "t-a", "--file", "/no/such")


def test_comment_add_from_stdin(bd: BdRunner) -> None:
    new(bd, "t-a")
    n = len(bd.events())
    out = bd("comment", "add", "t-a", "--stdin", "--json", input="piped\n\x00é".encode()).json()
    check_comment(bd, n, out, "piped\n\x00é", "overseer")


def test_comments_add_alias(bd: BdRunner) -> None:
    new(bd, "t-a")
    n = len(bd.events())
    out = bd("comments", "add", "t-a", "via alias", "--json", actor="gastown/witness").json()
    check_comment(bd, n, out, "via alias", "gastown/witness")
    assert bd("comments", "add", "t-a", "plain").stdout.strip() == "commented on t-a"


def test_comment_list_and_comments_id(bd: BdRunner) -> None:
    new(bd, "t-a")
    new(bd, "t-b")
    first = bd("comment", "add", "t-a", "first \x1b[31mred", "--json", actor="alice").json()
    second = bd("comment", "add", "t-a", "second\nline", "--json", actor="bob").json()
    n = len(bd.events())
    assert bd("comment", "list", "t-a", "--json").json() == [first, second]
    assert bd("comments", "t-a", "--json").json() == [first, second]
    assert bd("comments", "list", "t-a", "--json").json() == [first, second]
    assert bd("comments", "t-b", "--json").json() == []
    assert bd.new_events(n) == [], "listing comments logs nothing"

    text = bd("comments", "t-a")
    assert ESC not in text.stdout_bytes
    assert "alice:" in text.stdout and "first \\x1b[31mred" in text.stdout
    assert "bob:" in text.stdout and "second\nline" in text.stdout
    assert bd("comment", "list", "t-b").stdout.strip() == "(no comments)"


def test_comment_refusals(bd: BdRunner) -> None:
    new(bd, "t-a")
    assert "no bead 't-nope'" in refused(bd, "comment", "add", "t-nope", "hi", "--json")
    assert "text is required" in refused(bd, "comment", "add", "t-a", "--json", code=2)
    assert "no bead 't-nope'" in refused(bd, "comments", "t-nope", "--json")
    assert "no bead 't-nope'" in refused(bd, "comment", "list", "t-nope")
    refused(bd, "comments", code=2)


# --- rebuild ----------------------------------------------------------------------------------


def test_rebuild_keeps_the_projection_identical(bd: BdRunner, tmp_path: Path) -> None:
    new(bd, "t-a", "-l", "x,y", "--rig", "r1", "-d", "desc")
    new(bd, "t-b", "--deps", "t-a", "--parent", "t-a")
    new(bd, "t-c", "-p", "0")
    new(bd, "t-gone")
    bd("update", "t-a", "--set-metadata", "k=1", "--claim", "--actor", "alice")
    bd("label", "remove", "t-a", "x")
    bd("close", "t-c", "-r", "done")
    bd("delete", "t-gone")
    # a bead with a comment, imported (not through `comment add`, which has its own tests)
    comment = {"id": "c1", "issue_id": "t-imp", "author": "bob", "text": "imported comment",
               "created_at": "2025-01-01T00:00:00Z"}  # fmt: skip
    record = {"id": "t-imp", "title": "imported", "status": "open", "priority": 2,
              "issue_type": "task", "created_at": "2025-01-01T00:00:00Z",
              "updated_at": "2025-01-01T00:00:00Z", "comments": [comment],
              "x_unknown": 1}  # fmt: skip
    source = tmp_path / "import.jsonl"
    source.write_text(json.dumps(record) + "\n")
    assert bd("import", str(source), "--json").json()["imported"] == 1

    before_export = bd("export", "--all", "-o", "-").stdout_bytes
    before_show = bd("show", "t-a", "t-b", "t-c", "t-imp", "--json").json()
    assert before_show[3]["comments"] == [comment]
    before_list = bd("list", "--all", "--json").json()
    n = len(bd.events())

    out = bd("rebuild", "--json").json()
    events_path = bd.beads_dir / "events.jsonl"
    assert out == {
        "events": n, "beads": 5, "malformed_lines": 0, "torn_batches": 0, "unknown_ops": 0,
        "bytes": events_path.stat().st_size,
    }  # fmt: skip
    assert bd.new_events(n) == [], "rebuild logs nothing"
    assert bd("export", "--all", "-o", "-").stdout_bytes == before_export
    assert bd("show", "t-a", "t-b", "t-c", "t-imp", "--json").json() == before_show
    assert bd("list", "--all", "--json").json() == before_list
    assert before_export.count(b"\n") == 4

    (bd.beads_dir / "beads.db").unlink()
    assert bd("rebuild", "--json").json() == out
    assert bd("export", "--all", "-o", "-").stdout_bytes == before_export
    assert bd("rebuild").stdout.startswith(f"rebuilt: {n} events, 5 beads, 0 malformed lines")


# --- log --------------------------------------------------------------------------------------


def test_log_lists_raw_events_with_filters(bd: BdRunner) -> None:
    new(bd, "t-a")
    new(bd, "t-b")
    bd("label", "add", "t-a", "x")
    bd("update", "t-b", "-p", "1")
    bd("close", "t-a")
    events = bd.events()
    n = len(events)

    assert bd("log", "--json").json() == events
    assert bd("log", "-n", "2", "--json").json() == events[-2:]
    assert bd("log", "--limit", "1", "--json").json() == events[-1:]
    assert bd("log", "--bead", "t-a", "--json").json() == [e for e in events if e["bead"] == "t-a"]
    assert [e["op"] for e in bd("log", "--bead", "t-a", "--json").json()] == [
        "create", "label_add", "close",
    ]  # fmt: skip
    assert bd("log", "--op", "create", "--json").json() == events[:2]
    assert bd("log", "--op", "update", "--bead", "t-a", "--json").json() == []
    assert bd("log", "--op", "create", "--bead", "t-b", "-n", "5", "--json").json() == [events[1]]
    assert bd("log", "--bead", "t-a", "-n", "1", "--json").json() == [events[4]]
    assert bd.new_events(n) == [], "log logs nothing"

    text = bd("log").stdout.splitlines()
    assert len(text) == n
    assert text[2].split()[:4] == [events[2]["ts"], "overseer", "label_add", "t-a"]


def test_log_text_shows_control_characters_visibly(bd: BdRunner) -> None:
    bd("create", "\x1b[2Jclear", "--id", "t-esc")
    out = bd("log", "--bead", "t-esc")
    assert ESC not in out.stdout_bytes
    assert "t-esc" in out.stdout and "\\u001b[2Jclear" in out.stdout


def _read_lines(stream: Any, lines: queue.Queue[bytes]) -> None:
    for line in iter(stream.readline, b""):
        lines.put(line)


def _wait_for(lines: queue.Queue[bytes], seen: list[dict[str, Any]], bead: str) -> dict[str, Any]:
    """Collect streamed events until one for `bead` arrives (at most 20 s)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        event = json.loads(line)
        seen.append(event)
        if event["bead"] == bead:
            return event
    raise AssertionError(f"no event for {bead} streamed within 20 s; saw {seen}")


@contextmanager
def _following(bd: BdRunner, *flags: str) -> Iterator[queue.Queue[bytes]]:
    """Run `bd log --follow --json FLAGS` in the background; yield the lines it prints."""
    follower = subprocess.Popen(
        [sys.executable, "-m", "gastown_tui.cli.bd_main", "log", "--follow", "--json", *flags],
        cwd=bd.cwd, env=bd.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    lines: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=_read_lines, args=(follower.stdout, lines), daemon=True).start()
    try:
        yield lines
        assert follower.poll() is None, "--follow keeps running"
    finally:
        follower.kill()
        follower.wait(timeout=10)
        assert follower.stdout is not None and follower.stderr is not None
        follower.stdout.close()
        follower.stderr.close()


def test_log_follow_streams_new_events(bd: BdRunner) -> None:
    new(bd, "t-old")
    bd("update", "t-old", "-p", "1")
    with _following(bd, "--op", "create") as lines:
        seen: list[dict[str, Any]] = []
        old = _wait_for(lines, seen, "t-old")
        assert old == bd.events()[0]

        bd("update", "t-old", "-p", "0")
        created = new(bd, "t-new", "--actor", "alice")
        event = _wait_for(lines, seen, "t-new")
        assert event == bd.events()[-1]
        assert (event["op"], event["actor"]) == ("create", "alice")
        assert event["data"]["record"]["id"] == created["id"]
        assert [e["op"] for e in seen] == ["create", "create"], "--op filters the stream"


def test_log_follow_after_a_pull_shows_only_events_it_had_not_shown(bd: BdRunner) -> None:
    new(bd, "t-mine")
    with _following(bd) as lines:
        seen: list[dict[str, Any]] = []
        _wait_for(lines, seen, "t-mine")
        # Another clone's older event merged into the middle, as git's union merge may do,
        # written as a new file renamed over the log.
        log = bd.beads_dir / "events.jsonl"
        mine = log.read_bytes()
        record = {"id": "t-theirs", "title": "from the other clone"}
        theirs = {"v": 1, "id": "00000000000000000000000001", "ts": "2020-01-01T00:00:00.000000Z",
                  "actor": "mayor", "op": "create", "bead": "t-theirs",
                  "data": {"record": record}}  # fmt: skip
        merged = bd.cwd / "merged.jsonl"
        merged.write_bytes(json.dumps(theirs).encode() + b"\n" + mine)
        merged.replace(log)
        event = _wait_for(lines, seen, "t-theirs")
        assert event == theirs
        new(bd, "t-after")
        _wait_for(lines, seen, "t-after")
        beads = [e["bead"] for e in seen]
        assert beads == ["t-mine", "t-theirs", "t-after"], "nothing is shown twice"
