"""`bd import` of a damaged issues.jsonl: bad lines reported as PATH:N, nothing valid lost.

DESIGN §3 "Reading real beads data": a malformed line is skipped and reported as `PATH:N: reason`
(1-based) on stderr; import exits 0 if anything was read; a file still being written is read up
to its last complete line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import BdRunner

BOM = b"\xef\xbb\xbf"
BIG_UNIT = 'line with <tag> & ünïcödé ✓ \t"quoted" \\ back\u2028slash\n'
BIG_DESCRIPTION = (BIG_UNIT * (1_000_000 // len(BIG_UNIT) + 1))[:1_000_003]


def _record(bead_id: str, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": bead_id, "title": f"title of {bead_id}", "status": "open", "priority": 2,
        "issue_type": "task", "created_at": "2025-05-01T10:00:00.123456789+02:00",
        "updated_at": "2025-05-01T10:00:00Z",
    }  # fmt: skip
    record.update(extra)
    return record


GOOD = {
    "t-first": _record("t-first", labels=["a", "b"], custom_key={"kept": [1, 2.5, True, None]}),
    "t-big": _record("t-big", description=BIG_DESCRIPTION),
    "t-closed": _record("t-closed", status="closed"),
    "t-odd": _record("t-odd", title="ünïcödé \u2028 <&> \u0000 \x1b[31m", estimated_minutes=0),
    "t-closed-reason": _record("t-closed-reason", status="closed", close_reason="done"),
}


def _line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _damaged_file(path: Path) -> tuple[list[int], bytes]:
    """Write the file; return the 1-based numbers of the lines that must be reported."""
    lines: list[tuple[bytes, bool]] = [
        (BOM + _line(GOOD["t-first"]), False),  # 1: BOM, then a good record
        (_line(GOOD["t-big"]), False),  # 2: a 1 MB description
        (b"", False),  # 3: blank: skipped silently
        (b'{"id":"t-bad1","title":', True),  # 4: invalid JSON
        (b"[1, 2, 3]", True),  # 5: not an object
        (b'"just a string"', True),  # 6: not an object
        (b'{"title":"no id here"}', True),  # 7: no id
        (_line(GOOD["t-closed"]), False),  # 8: closed without closed_at: kept as given
        (b"not json at all", True),  # 9: invalid JSON
        (b'{"id":"","title":"empty id"}', True),  # 10: empty id
        (b"   \t ", False),  # 11: whitespace only: skipped silently
        (_line(GOOD["t-odd"]), False),  # 12
        (b'{"id":42,"title":"numeric id"}', True),  # 13: id is not a string
        (_line(GOOD["t-closed-reason"]), False),  # 14
        (b'{"id":"t-latin1","title":"caf\xe9"}', True),  # 15: not UTF-8
        (b"null", True),  # 16: not an object
    ]
    body = b"".join(text + b"\r\n" for text, _ in lines)
    torn = b'{"id":"t-torn","title":"half a rec'  # 17: torn, no newline
    path.write_bytes(body + torn)
    bad = [number for number, (_, is_bad) in enumerate(lines, 1) if is_bad]
    return [*bad, len(lines) + 1], body + torn


def _reported(stderr: str, path: Path) -> list[int]:
    return [int(n) for n in re.findall(rf"^{re.escape(str(path))}:(\d+): \S", stderr, re.M)]


def _exact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_damaged_file_imports_every_good_line(bd: BdRunner, tmp_path: Path) -> None:
    path = tmp_path / "damaged.jsonl"
    bad_lines, _ = _damaged_file(path)
    result = bd("import", str(path), "--json")
    assert result.returncode == 0
    assert sorted(_reported(result.stderr, path)) == bad_lines, result.stderr
    summary = result.json()
    assert summary["imported"] == len(GOOD)
    assert summary["unchanged"] == 0
    assert summary["skipped"] == len(bad_lines)
    assert _reported("\n".join(summary["problems"]), path) == bad_lines
    torn = [p for p in summary["problems"] if p.startswith(f"{path}:{bad_lines[-1]}:")]
    assert torn and "torn" in torn[0]

    listed = bd("list", "--all", "--json").json()
    assert sorted(r["id"] for r in listed) == sorted(GOOD)
    shown = {r["id"]: r for r in bd("show", *GOOD, "--json").json()}
    for bead_id, record in GOOD.items():
        for key, value in record.items():
            assert _exact(shown[bead_id].get(key)) == _exact(value), (bead_id, key)
    big = shown["t-big"]["description"]
    assert len(big) == len(BIG_DESCRIPTION) == 1_000_003
    assert big == BIG_DESCRIPTION
    assert "closed_at" not in shown["t-closed"]
    assert "closed_at" not in shown["t-closed-reason"]
    assert shown["t-first"]["custom_key"] == {"kept": [1, 2.5, True, None]}


def test_damaged_file_round_trips_through_export(
    bd: BdRunner, bd_factory: Callable[[str], BdRunner], tmp_path: Path
) -> None:
    path = tmp_path / "damaged.jsonl"
    _damaged_file(path)
    bd("import", str(path))
    exported = tmp_path / "out.jsonl"
    assert bd("export", "-o", str(exported), "--json").json()["count"] == len(GOOD)
    lines = exported.read_bytes().splitlines()
    assert not lines[0].startswith(BOM)
    by_id = {json.loads(line)["id"]: json.loads(line) for line in lines}
    assert by_id["t-big"]["description"] == BIG_DESCRIPTION
    other = bd_factory("other")
    other("init", "--prefix", "t")
    result = other("import", str(exported), "--json")
    assert result.json()["imported"] == len(GOOD)
    assert result.stderr == ""
    assert other("list", "--all", "--json").json() == bd("list", "--all", "--json").json()


def test_reimport_changes_nothing(bd: BdRunner, tmp_path: Path) -> None:
    path = tmp_path / "damaged.jsonl"
    bad_lines, _ = _damaged_file(path)
    bd("import", str(path))
    events = bd.events()
    listed = bd("list", "--all", "--json").json()
    again = bd("import", str(path), "--json")
    assert again.returncode == 0
    summary = again.json()
    assert summary["imported"] == 0
    assert summary["unchanged"] == len(GOOD)
    assert summary["skipped"] == len(bad_lines)
    assert bd.events() == events
    assert bd("list", "--all", "--json").json() == listed


def test_reimport_after_a_change_imports_only_the_changed_record(
    bd: BdRunner, tmp_path: Path
) -> None:
    path = tmp_path / "good.jsonl"
    records = [GOOD["t-first"], GOOD["t-odd"]]
    path.write_bytes(b"".join(_line(r) + b"\n" for r in records))
    assert bd("import", str(path), "--json").json()["imported"] == 2
    changed = dict(GOOD["t-odd"], title="a new title")
    path.write_bytes(b"".join(_line(r) + b"\n" for r in [GOOD["t-first"], changed]))
    summary = bd("import", str(path), "--json").json()
    assert (summary["imported"], summary["unchanged"]) == (1, 1)
    assert bd("show", "t-odd", "--json").json()[0]["title"] == "a new title"


def test_file_with_only_bad_lines_fails(bd: BdRunner, tmp_path: Path) -> None:
    path = tmp_path / "all-bad.jsonl"
    path.write_bytes(b'{"id":\n[]\n\n{"title":"no id"}\n{"id":"t-x","ti')
    events = bd.events()
    result = bd("import", str(path), check=False)
    assert result.returncode == 1
    assert sorted(_reported(result.stderr, path)) == [1, 2, 4, 5], result.stderr
    assert bd.events() == events
    assert bd("list", "--all", "--json").json() == []
