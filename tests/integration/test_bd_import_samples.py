"""Every real issues.jsonl in ../shared/beads-samples: import, list, export, re-import.

DESIGN §3 "Reading real beads data": records are kept as given (unknown keys verbatim, timestamps
as their original strings), export-only keys are recomputed, tombstones are kept and hidden, and
`bd export --all` writes every non-tombstone record in Go bd's encoding and re-imports to the
same records.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES_DIR, BdRunner

SAMPLES = sorted(SAMPLES_DIR.glob("*.jsonl"))
COMPUTED = ("dependency_count", "dependent_count", "comment_count", "parent")
PARENT_TYPES = ("parent-child", "parent", "parent_child")
GO_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
              ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))  # fmt: skip


def _exact(value: Any) -> str:
    """A form in which `1`, `1.0` and `true` differ (Python's == does not tell them apart)."""
    return json.dumps(value, ensure_ascii=False)


def _go_line(value: dict[str, Any]) -> bytes:
    """How Go's encoding/json writes this object (in its given key order)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in GO_ESCAPES:
        text = text.replace(raw, escaped)
    return text.encode("utf-8")


def _fresh(bd_factory: Callable[[str], BdRunner], name: str) -> BdRunner:
    runner = bd_factory(name)
    runner("init", "--prefix", "t")
    return runner


def _expected_computed(live: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """dependency/dependent/comment counts and parent, as the live records imply them."""
    dependents: Counter[str] = Counter()
    for record in live:
        for dep in record.get("dependencies") or []:
            dependents[dep["depends_on_id"]] += 1
    expected = {}
    for record in live:
        deps = record.get("dependencies") or []
        parent = next((d["depends_on_id"] for d in deps if d.get("type") in PARENT_TYPES), None)
        expected[record["id"]] = {
            "dependency_count": len(deps),
            "dependent_count": dependents[record["id"]],
            "comment_count": len(record.get("comments") or []),
            "parent": parent,
        }
    return expected


@pytest.mark.parametrize("sample", SAMPLES, ids=[path.name for path in SAMPLES])
def test_sample_imports_lists_exports_and_reimports(
    sample: Path, bd_factory: Callable[[str], BdRunner], tmp_path: Path
) -> None:
    original = [json.loads(line) for line in sample.read_bytes().splitlines() if line.strip()]
    live = [record for record in original if record.get("status") != "tombstone"]
    problems: list[str] = []

    first = _fresh(bd_factory, "first")
    summary = first("import", str(sample), "--json").json()
    assert summary["problems"] == [], summary["problems"]
    assert summary["skipped"] == 0
    assert summary["imported"] + summary["unchanged"] == len(original)

    listed = first("list", "--all", "--json").json()
    by_id = {record["id"]: record for record in listed}
    assert len(by_id) == len(listed), "duplicate ids in bd list"
    assert set(by_id) == {record["id"] for record in live}

    computed = _expected_computed(live)
    for record in live:
        got = by_id[record["id"]]
        for key, value in record.items():
            if key in COMPUTED:
                continue
            if key not in got:
                problems.append(f"{record['id']}: key {key!r} lost")
            elif _exact(got[key]) != _exact(value):
                problems.append(f"{record['id']}: {key!r} = {got[key]!r:.80}, was {value!r:.80}")
        for key, value in computed[record["id"]].items():
            if key == "parent" and value is None:
                if "parent" in got:
                    problems.append(f"{record['id']}: parent {got['parent']!r} without an edge")
            elif got.get(key) != value:
                problems.append(f"{record['id']}: {key} is {got.get(key)!r}, expected {value!r}")

    exported = tmp_path / "exported.jsonl"
    result = first("export", "--all", "-o", str(exported), "--json").json()
    data = exported.read_bytes()
    assert result["count"] == len(live)
    assert data.endswith(b"\n") and b"\r" not in data
    lines = data[:-1].split(b"\n") if data else []
    assert len(lines) == len(live)
    ids = [json.loads(line)["id"] for line in lines]
    assert ids == sorted(ids, key=lambda bead_id: bead_id.encode("utf-8")), "not sorted by id"
    for raw in (b"<", b">", b"&"):
        assert raw not in data, f"raw {raw!r} in the export"
    original_text = "".join(json.dumps(r, ensure_ascii=False) for r in live)
    for raw, escaped in GO_ESCAPES[:3]:
        if raw in original_text:
            assert escaped.encode() in data
    original_keys = {record["id"]: list(record) for record in live}
    for line in lines:
        value = json.loads(line)
        if _go_line(value) != line:
            problems.append(f"{value['id']}: export line is not compact Go JSON: {line[:120]!r}")
        kept = [key for key in value if key in original_keys[value["id"]]]
        given = [key for key in original_keys[value["id"]] if key in value]
        if kept != given:
            problems.append(f"{value['id']}: export key order {kept} differs from bd's {given}")

    second = _fresh(bd_factory, "second")
    second("import", str(exported))
    relisted = second("list", "--all", "--json").json()
    if relisted != listed:
        differing = [
            (a["id"], sorted(k for k in {*a, *b} if a.get(k) != b.get(k)))
            for a, b in zip(listed, relisted, strict=False)
            if a != b
        ]
        problems.append(f"re-imported export lists differently: {differing[:5]}")
    assert not problems, "\n".join(problems[:30])
