"""The read-only mirror of a user's beads directory (`gt tui --beads`): every real
issues.jsonl era opens, a rewrite by atomic rename shows up, our own store is read in place, and
nothing is ever written in the user's directory."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES_DIR, BdRunner

from gastown_tui.store.beads_mirror import (
    BeadsMirror,
    BeadsSourceError,
    locate_source,
    mirror_dir,
)
from gastown_tui.store.beads_mirror_view import mirror_view

SAMPLES = sorted(SAMPLES_DIR.glob("*.jsonl"))


def valid_ids(path: Path) -> set[str]:
    """Distinct ids of the lines that are issue objects (read independently of the importer)."""
    ids = set()
    for line in path.read_bytes().removeprefix(b"\xef\xbb\xbf").splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if not isinstance(value, dict) or value.get("_type", "issue") != "issue":
            continue
        if isinstance(value.get("id"), str) and value["id"].strip():
            ids.add(value["id"])
    return ids


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder` with its size and mtime (ns)."""
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
    }


def project_with(tmp_path: Path, sample: Path) -> Path:
    beads = tmp_path / "project" / ".beads"
    beads.mkdir(parents=True)
    shutil.copyfile(sample, beads / "issues.jsonl")
    return beads.parent


def cache_env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}


def rewrite(path: Path, records: list[dict[str, object]]) -> None:
    """As real bd does: write a temporary file beside it, then rename it over."""
    temporary = path.with_name(".issues.jsonl.tmp")
    temporary.write_text("".join(json.dumps(record) + "\n" for record in records), "utf-8")
    os.replace(temporary, path)


@pytest.mark.parametrize("sample", SAMPLES, ids=[sample.stem for sample in SAMPLES])
def test_every_sample_era_opens_through_the_mirror(tmp_path: Path, sample: Path) -> None:
    with BeadsMirror.open(sample, environ=cache_env(tmp_path)) as mirror:
        first = mirror.refresh()
        again = mirror.refresh()
        ids = {row[0] for row in mirror.store.connection.execute("SELECT id FROM beads")}
        view = mirror_view(mirror)
    assert ids == valid_ids(sample)
    assert first.problems == ()
    assert (again.changed, again.removed) == ((), ())  # nothing changed: nothing logged
    assert view.count("all") == len(view.rows) > 0
    assert view.count("ready") <= view.count("open")


def test_the_users_directory_is_never_written(tmp_path: Path) -> None:
    project = project_with(tmp_path, SAMPLES_DIR / "0xSaiNova__gastown_ui.jsonl")
    before = listing(project)
    with BeadsMirror.open(project, environ=cache_env(tmp_path)) as mirror:
        mirror.refresh()
        mirror_view(mirror)
        mirror.refresh()
        cache = mirror.store.paths.root
    assert listing(project) == before
    assert cache.is_relative_to(tmp_path / "cache" / "gastown_tui" / "mirrors")
    assert (cache / "beads.db").is_file()


def test_a_rewrite_by_atomic_rename_shows_after_refresh(tmp_path: Path) -> None:
    project = project_with(tmp_path, SAMPLES_DIR / "0xSaiNova__gastown_ui.jsonl")
    issues = project / ".beads" / "issues.jsonl"
    records = [json.loads(line) for line in issues.read_text("utf-8").splitlines()]
    open_ones = [record for record in records if record.get("status") == "open"]
    closing, removing = open_ones[0], open_ones[1]
    with BeadsMirror.open(project / ".beads", environ=cache_env(tmp_path)) as mirror:
        mirror.refresh()
        open_before = mirror_view(mirror).count("open")
        closing["status"] = "closed"
        rewrite(issues, [record for record in records if record is not removing])
        seen = mirror.refresh()
        view = mirror_view(mirror)
    assert seen.changed == (closing["id"],)
    assert seen.removed == (removing["id"],)
    assert f"{closing['id']} status open → closed" in seen.tail
    assert f"{removing['id']} removed" in seen.tail
    assert view.count("open") == open_before - 2
    assert removing["id"] not in view.details
    assert view.details[closing["id"]].row.status == "closed"


def test_malformed_lines_are_reported_by_line_and_skipped(tmp_path: Path) -> None:
    issues = tmp_path / "issues.jsonl"
    good = {"id": "bd-1", "title": "fine", "status": "open"}
    issues.write_text(json.dumps(good) + "\n{not json\n[1, 2]\n", "utf-8")
    with BeadsMirror.open(issues, environ=cache_env(tmp_path)) as mirror:
        seen = mirror.refresh()
        view = mirror_view(mirror)
    assert [row.id for row in view.rows] == ["bd-1"]
    assert seen.problems[0].startswith(f"{issues}:2: invalid JSON")
    assert seen.problems[1] == f"{issues}:3: not a JSON object (a list)"
    assert seen.tail == ("bd-1 new",)


def test_a_file_caught_mid_write_deletes_nothing(tmp_path: Path) -> None:
    issues = tmp_path / "issues.jsonl"
    records = [{"id": f"bd-{n}", "title": f"issue {n}", "status": "open"} for n in range(4)]
    issues.write_text("".join(json.dumps(record) + "\n" for record in records), "utf-8")
    with BeadsMirror.open(issues, environ=cache_env(tmp_path)) as mirror:
        mirror.refresh()
        whole = issues.read_text("utf-8")
        issues.write_text(whole[: len(whole) // 2 + 5], "utf-8")  # an in-place writer, mid-line
        halfway = mirror.refresh()
        issues.write_text(whole, "utf-8")
        done = mirror.refresh()
        view = mirror_view(mirror)
    assert halfway.removed == ()
    assert "torn last line" in halfway.problems[0]
    assert (done.changed, done.removed, done.problems) == ((), (), ())
    assert [row.id for row in view.rows] == ["bd-0", "bd-1", "bd-2", "bd-3"]


def test_our_own_store_is_read_in_place_with_its_projection_in_the_cache(
    bd: BdRunner, tmp_path: Path
) -> None:
    bd("create", "the base", "--id", "t-base")
    bd("create", "waits for the base", "--id", "t-top", "--deps", "t-base")
    before = listing(bd.beads_dir)
    read: list[tuple[int, int]] = []
    progress = lambda done, total: read.append((done, total))  # noqa: E731
    with BeadsMirror.open(bd.cwd, environ=cache_env(tmp_path), progress=progress) as mirror:
        assert mirror.source.kind == "events"
        mirror.refresh()
        view = mirror_view(mirror)
        bd("close", "t-base")
        seen = mirror.refresh()
        after = mirror_view(mirror)
        database = mirror.store.paths.database
    size = (bd.beads_dir / "events.jsonl").stat().st_size
    assert read and read[-1][0] == read[-1][1] <= size  # the cold projection said how far
    assert {row.id for row in view.visible("blocked")} == {"t-top"}
    assert [link.id for link in view.details["t-top"].depends_on] == ["t-base"]
    assert [link.id for link in view.details["t-base"].dependents] == ["t-top"]
    assert seen.tail == ("t-base status open → closed",)
    assert {row.id for row in after.visible("ready")} == {"t-top"}
    assert database.is_relative_to(tmp_path / "cache")
    changed = {name for name, stat in listing(bd.beads_dir).items() if before.get(name) != stat}
    # Only what `bd close` itself writes: the log, its projection, the lock's holder note and
    # the automatic export; the mirror adds nothing to the user's directory.
    written_by_bd = {"events.jsonl", "beads.db", "beads.db-wal", "beads.db-shm", "events.lock",
                     "issues.jsonl", "export-state"}  # fmt: skip
    assert changed <= written_by_bd
    assert "events.jsonl" in changed  # bd's own close wrote it; the mirror wrote nothing


def test_a_path_without_beads_data_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(BeadsSourceError, match=str(tmp_path / "nowhere")):
        locate_source(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BeadsSourceError, match="no beads data here"):
        locate_source(tmp_path / "empty")


def test_the_cache_is_per_path_under_xdg_cache_home(tmp_path: Path) -> None:
    one = project_with(tmp_path / "a", SAMPLES_DIR / "0ximu__mu.jsonl")
    two = project_with(tmp_path / "b", SAMPLES_DIR / "0ximu__mu.jsonl")
    env = cache_env(tmp_path)
    first, second = mirror_dir(locate_source(one), env), mirror_dir(locate_source(two), env)
    assert first != second
    assert first.parent == tmp_path / "cache" / "gastown_tui" / "mirrors"
    assert mirror_dir(locate_source(one), {"HOME": str(tmp_path)}).is_relative_to(
        tmp_path / ".cache" / "gastown_tui"
    )
