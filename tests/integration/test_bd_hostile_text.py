"""Hostile text in beads: stored and exported byte-exact, never executed, never emitted raw.

DESIGN §3a: "Text output shows control characters visibly; only `--json` is byte-exact", and
`--title-file`/`--stdin` carry what argv cannot (NUL).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import BdRunner

ANSI = "\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \x1b[2J\x1b[H"
RICH = "[/] [bold red]x[/] [link=file:///etc/passwd]y[/link] [/bold]"
TMUX = "C-c Enter C-d Escape M-x"
C1 = "\u009b31m csi \u0085 nel"
SEPARATORS = "line\u2028sep\u2029para"
FORGED = "legit\nt-fake  [P0] [task] open  forged\rover"
LONG = ("0123456789abcdefghij" * 500)[:10_000]

# Control characters that must never reach a terminal from text output (\n and \t may).
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def shell(marker: Path) -> str:
    return (
        f"$(touch {marker}) `touch {marker}` ; touch {marker} | touch {marker} "
        f"&& touch {marker} || touch {marker} > {marker} 'quote\" \\ $HOME ${{IFS}}"
    )


def _fresh(bd_factory: Callable[[str], BdRunner], name: str) -> BdRunner:
    runner = bd_factory(name)
    runner("init", "--prefix", "t")
    return runner


def _show(bd: BdRunner, bead_id: str) -> dict[str, Any]:
    shown = bd("show", bead_id, "--json").json()
    assert len(shown) == 1
    return dict(shown[0])


def _assert_fields(record: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        assert key in record, key
        # Compare the exact code points (repr shows any difference readably).
        assert repr(record[key]) == repr(value), key


def _assert_round_trip(
    bd: BdRunner,
    bd_factory: Callable[[str], BdRunner],
    tmp_path: Path,
    expected: dict[str, dict[str, Any]],
) -> None:
    """show --json, export, re-import elsewhere: every expected field survives exactly."""
    for bead_id, fields in expected.items():
        _assert_fields(_show(bd, bead_id), fields)
    exported = tmp_path / "hostile-export.jsonl"
    bd("export", "--all", "-o", str(exported))
    data = exported.read_bytes()
    assert b"\x00" not in data and b"\x1b" not in data  # escaped in JSON
    lines = {json.loads(line)["id"]: json.loads(line) for line in data.splitlines()}
    assert len(data.splitlines()) == len(lines)
    for bead_id, fields in expected.items():
        _assert_fields(lines[bead_id], fields)
    other = _fresh(bd_factory, "reimported")
    other("import", str(exported))
    for bead_id, fields in expected.items():
        _assert_fields(_show(other, bead_id), fields)
    assert other("list", "--all", "--json").json() == bd("list", "--all", "--json").json()


def _assert_safe_text(output: bytes) -> str:
    text = output.decode("utf-8")
    found = RAW_CONTROL.findall(text)
    assert not found, f"raw control characters in text output: {sorted(set(found))!r}"
    return text


def test_argv_text_round_trips_and_is_never_executed(
    bd: BdRunner, bd_factory: Callable[[str], BdRunner], tmp_path: Path
) -> None:
    marker = tmp_path / "MARKER"
    title = f"{shell(marker)} {ANSI} {RICH} {TMUX} {C1} {SEPARATORS}"
    description = f"{FORGED}\n{shell(marker)}\n{ANSI}\n{RICH}\n\t{TMUX}\n{C1}"
    created = bd(
        "create", title, "-d", description, "--design", RICH, "--notes", ANSI,
        "--acceptance", TMUX, "-a", f"{ANSI}agent", "--json",
    ).json()  # fmt: skip
    bead = created["id"]
    expected = {"title": title, "description": description, "design": RICH, "notes": ANSI,
                "acceptance_criteria": TMUX, "assignee": f"{ANSI}agent"}  # fmt: skip
    _assert_fields(created, expected)
    forged = bd("create", FORGED, "--json").json()["id"]
    bd("update", bead, "--set-metadata", f"note={ANSI}{RICH}")
    expected["metadata"] = {"note": f"{ANSI}{RICH}"}
    _assert_round_trip(bd, bd_factory, tmp_path, {bead: expected, forged: {"title": FORGED}})

    for args in (("show", bead), ("list",), ("ready",), ("search", "red")):
        text = _assert_safe_text(bd(*args).stdout_bytes)
        assert "\\x1b[31mred\\x1b[0m" in text, args
    _assert_safe_text(bd("show", forged).stdout_bytes)
    shown = _assert_safe_text(bd("show", bead).stdout_bytes)
    assert RICH in shown  # markup printed literally, not interpreted
    assert TMUX in shown
    assert "\\x9b31m" in shown and "\\u2028" in shown
    listing = _assert_safe_text(bd("list").stdout_bytes)
    # A newline in a title cannot forge a second row.
    rows = [line for line in listing.splitlines() if line.strip()]
    assert len(rows) == 2
    assert "legit\\nt-fake" in listing and "\\x0dover" in listing
    assert not marker.exists()
    assert not [path for path in tmp_path.rglob("*") if "MARKER" in path.name]


def test_nul_and_control_bytes_through_title_file_and_stdin(
    bd: BdRunner, bd_factory: Callable[[str], BdRunner], tmp_path: Path
) -> None:
    marker = tmp_path / "MARKER"
    nul_title = f"nul\x00inside {ANSI} \x7f del"
    first = bd("create", "--title-file", "-", "--json", input=nul_title.encode()).json()["id"]

    title_file = tmp_path / "title.txt"
    file_title = f"\x00{shell(marker)}\x00"
    title_file.write_bytes(file_title.encode())
    body = f"body\x00with NUL\n{ANSI}\r\n{RICH}\x00"
    second = bd(
        "create", "--title-file", str(title_file), "--stdin", "--json", input=body.encode()
    ).json()["id"]

    third = bd("create", "plain", "--json").json()["id"]
    updated = f"updated\x00{C1}"
    bd("update", third, "--stdin", input=updated.encode())

    expected = {
        first: {"title": nul_title},
        second: {"title": file_title, "description": body},
        third: {"title": "plain", "description": updated},
    }
    _assert_round_trip(bd, bd_factory, tmp_path, expected)

    for bead in (first, second, third):
        text = _assert_safe_text(bd("show", bead).stdout_bytes)
        assert "\\x00" in text
    assert "\\x7f" in _assert_safe_text(bd("show", first).stdout_bytes)
    listing = _assert_safe_text(bd("list").stdout_bytes)
    assert listing.count("\\x00") >= 3
    assert not marker.exists()


def test_hostile_text_through_import(
    bd: BdRunner, bd_factory: Callable[[str], BdRunner], tmp_path: Path
) -> None:
    marker = tmp_path / "MARKER"
    hostile = f"{shell(marker)}\x00{ANSI}{RICH}{TMUX}{C1}{SEPARATORS}{FORGED}"
    record: dict[str, Any] = {
        "id": "t-hostile", "title": hostile, "description": hostile + "\x00end",
        "notes": "\x00", "status": "open", "priority": 1, "issue_type": "task",
        "assignee": ANSI, "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z", "labels": [RICH, TMUX],
        "metadata": {ANSI: hostile, "rig": "\x00"}, "x_custom": [hostile, {"k": "\x1b"}],
        "comments": [{"id": 1, "issue_id": "t-hostile", "author": f"{ANSI}me", "text": hostile,
                      "created_at": "2025-01-01T00:00:00Z"}],
    }  # fmt: skip
    source = tmp_path / "hostile.jsonl"
    # ensure_ascii: \u0000 and \u001b escapes, as any JSON writer emits them.
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")
    summary = bd("import", str(source), "--json").json()
    assert summary["imported"] == 1 and summary["problems"] == []
    expected = {key: value for key, value in record.items() if key not in ("id", "comments")}
    _assert_round_trip(bd, bd_factory, tmp_path, {"t-hostile": expected})
    # `show --json` types comment ids as the real CLI does (strings); the export keeps them.
    assert _show(bd, "t-hostile")["comments"] == [{**record["comments"][0], "id": "1"}]
    for args in (("show", "t-hostile"), ("list",), ("ready",), ("search", "pwned")):
        text = _assert_safe_text(bd(*args).stdout_bytes)
        assert "\\x00" in text, args
        assert "\\x1b[31m" in text, args
    assert not marker.exists()


def test_ten_thousand_character_title(
    bd: BdRunner, bd_factory: Callable[[str], BdRunner], tmp_path: Path
) -> None:
    by_argv = bd("create", LONG, "--json").json()["id"]
    title_file = tmp_path / "long.txt"
    long_unicode = ("ü\x1b" * 5_000)[:10_000]
    title_file.write_text(long_unicode, encoding="utf-8")
    by_file = bd("create", "--title-file", str(title_file), "--json").json()["id"]
    assert len(_show(bd, by_argv)["title"]) == 10_000
    assert len(_show(bd, by_file)["title"]) == 10_000
    _assert_round_trip(
        bd, bd_factory, tmp_path, {by_argv: {"title": LONG}, by_file: {"title": long_unicode}}
    )
    assert LONG in _assert_safe_text(bd("show", by_argv).stdout_bytes)
    shown = _assert_safe_text(bd("show", by_file).stdout_bytes)
    assert shown.count("\\x1b") == 5_000


def test_comment_text_through_stdin_and_file(
    bd: BdRunner, bd_factory: Callable[[str], BdRunner], tmp_path: Path
) -> None:
    bead = bd("create", "commented", "--json").json()["id"]
    by_stdin = f"comment\x00{ANSI}{RICH}"
    added = bd("comment", "add", bead, "--stdin", "--json", input=by_stdin.encode()).json()
    assert repr(added["text"]) == repr(by_stdin)
    comment_file = tmp_path / "comment.txt"
    by_file = f"{FORGED}\x00{C1}"
    comment_file.write_bytes(by_file.encode())
    bd("comments", "add", bead, "--file", str(comment_file))
    by_argv = f"{ANSI}{TMUX}"
    bd("comment", "add", bead, by_argv)
    texts = [by_stdin, by_file, by_argv]
    assert [c["text"] for c in bd("comments", bead, "--json").json()] == texts
    assert [c["text"] for c in bd("comment", "list", bead, "--json").json()] == texts
    exported = tmp_path / "comments.jsonl"
    bd("export", "-o", str(exported))
    other = _fresh(bd_factory, "other")
    other("import", str(exported))
    assert [c["text"] for c in _show(other, bead)["comments"]] == texts
    text = _assert_safe_text(bd("comments", bead).stdout_bytes)
    assert "\\x1b[31m" in text and "\\x00" in text and "\\x9b" in text
    assert "legit\\nt-fake" in text or "legit\nt-fake" in text


@pytest.mark.parametrize("bad_id", [f"t-{ANSI}", "t-\u009bnope", "t-\x07bell"])
def test_error_messages_do_not_echo_raw_control_bytes(bd: BdRunner, bad_id: str) -> None:
    result = bd("show", bad_id, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("bd: ")
    _assert_safe_text(result.stderr.encode())
    assert result.stdout == ""
