"""`bd export`: where it writes, what it leaves out, its --json, and `export.auto`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import BdRunner


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_bytes().splitlines()]


def _wisp_file(tmp_path: Path) -> Path:
    source = tmp_path / "wisps.jsonl"
    source.write_text(
        '{"id":"t-work","title":"work","status":"open","priority":1}\n'
        '{"id":"t-wisp","title":"patrol","status":"open","priority":2,"ephemeral":true}\n'
        '{"id":"t-old","title":"legacy wisp","status":"open","priority":2,"wisp":true}\n'
        '{"id":"t-gone","title":"deleted","status":"tombstone","priority":2}\n',
        encoding="utf-8",
    )
    return source


def test_export_defaults_to_the_store_and_leaves_out_wisps_and_tombstones(
    bd: BdRunner, tmp_path: Path
) -> None:
    bd("import", str(_wisp_file(tmp_path)))
    before = len(bd.events())
    out = bd("export", "--json").json()
    target = bd.beads_dir / "issues.jsonl"
    assert out == {"path": str(target), "count": 1}
    assert _ids(target) == ["t-work"]
    assert len(bd.events()) == before, "export logs nothing"
    assert not [p for p in bd.beads_dir.iterdir() if p.name.startswith(".issues.jsonl.")]


def test_export_all_includes_wisps_but_never_tombstones(bd: BdRunner, tmp_path: Path) -> None:
    bd("import", str(_wisp_file(tmp_path)))
    target = tmp_path / "out" / "all.jsonl"
    out = bd("export", "--all", "-o", str(target), "--json").json()
    assert out == {"path": str(target), "count": 3}
    assert _ids(target) == ["t-old", "t-wisp", "t-work"]
    stdout = bd("export", "--all", "-o", "-").stdout_bytes
    assert stdout == target.read_bytes()


def test_export_auto_keeps_issues_jsonl_current(bd: BdRunner) -> None:
    config = bd.beads_dir / "config.toml"
    assert "auto = true" in config.read_text()  # on by default outside a town
    target = bd.beads_dir / "issues.jsonl"
    created = bd("create", "first", "--json").json()
    assert _ids(target) == [created["id"]]
    bd("close", created["id"])
    assert json.loads(target.read_bytes())["status"] == "closed"
    bd("delete", created["id"])
    assert target.read_bytes() == b""


def test_export_is_off_when_the_config_says_so(bd: BdRunner) -> None:
    config = bd.beads_dir / "config.toml"
    config.write_text(config.read_text().replace("auto = true", "auto = false"))
    bd("create", "quiet")
    assert not (bd.beads_dir / "issues.jsonl").exists()
