"""Commands and flags the real CLI's clients use (issue 15): `bd comment ID TEXT`, `bd note`,
`reopen --reason`, `--external-ref`, `info --schema`, `doctor`, `cleanup`, `repair-deps`,
`migrate --inspect`, `quickstart`, `sync`, and the automatic export outside a town."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

from bd_helpers import refused

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import BdRunner

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}  # fmt: skip


def test_comment_id_text_adds_and_comments_id_lists(bd: BdRunner) -> None:
    bd("create", "x", "--id", "t-x")
    bd("comment", "t-x", "first words")
    bd("--actor", "amy", "comment", "t-x", "second")
    listed = bd("comments", "t-x", "--json").json()
    assert [(c["author"], c["text"]) for c in listed] == [("overseer", "first words"),
                                                          ("amy", "second")]  # fmt: skip
    assert bd("comment", "add", "t-x", "old spelling", "--json").json()["text"] == "old spelling"
    assert len(bd("comment", "list", "t-x", "--json").json()) == 3


def test_note_appends_paragraphs_to_notes(bd: BdRunner) -> None:
    bd("create", "x", "--id", "t-x", "--notes", "start")
    bd("note", "t-x", "more")
    assert bd("note", "t-x", "last", "--json").json()["notes"] == "start\n\nmore\n\nlast"
    assert bd("show", "t-x", "--json").json()[0]["notes"] == "start\n\nmore\n\nlast"
    refused(bd, "note", "t-missing", "text")


def test_reopen_reason_is_recorded_as_a_comment(bd: BdRunner) -> None:
    bd("create", "x", "--id", "t-x")
    bd("close", "t-x")
    (reopened,) = bd("reopen", "t-x", "--reason", "it came back", "--json").json()
    assert reopened["status"] == "open"
    assert [c["text"] for c in reopened["comments"]] == ["it came back"]
    ops = [event["op"] for event in bd.events()[-2:]]
    assert ops == ["reopen", "comment_add"]
    assert bd.events()[-1]["batch"]["size"] == 2  # one batch: both or neither


def test_external_ref_on_create_and_update(bd: BdRunner) -> None:
    created = bd("create", "x", "--external-ref", "gh-9", "--json").json()
    assert created["external_ref"] == "gh-9"
    (updated,) = bd("update", created["id"], "--external-ref", "JIRA-1", "--json").json()
    assert updated["external_ref"] == "JIRA-1"
    (cleared,) = bd("update", created["id"], "--external-ref", "", "--json").json()
    assert "external_ref" not in cleared


def test_info_schema(bd: BdRunner) -> None:
    bd("create", "x", "--id", "t-x")
    info = bd("info", "--schema", "--json").json()
    assert info["database_path"] == str(bd.beads_dir / "beads.db")
    assert info["issue_count"] == 1 and info["config"]["issue_prefix"] == "t"
    assert {"beads", "deps", "labels"} <= set(info["schema"]["tables"])
    assert info["schema"]["sample_issue_ids"] == ["t-x"]
    assert "schema" not in bd("info", "--json").json()
    assert "prefix t" in bd("info").stdout


def _import_orphan(bd: BdRunner) -> None:
    line = {"id": "t-orphan", "title": "waits for a ghost", "status": "open", "priority": 2,
            "issue_type": "task", "created_at": "2025-01-01T00:00:00Z",
            "updated_at": "2025-01-01T00:00:00Z",
            "dependencies": [{"issue_id": "t-orphan", "depends_on_id": "t-ghost",
                              "type": "blocks"}]}  # fmt: skip
    (bd.cwd / "orphan.jsonl").write_text(json.dumps(line) + "\n")
    bd("import", "orphan.jsonl")


def test_repair_deps_finds_and_fixes_orphaned_edges(bd: BdRunner) -> None:
    _import_orphan(bd)
    found = bd("repair-deps", "--json").json()
    assert found["orphans_found"] == 1 and found["fixed"] == 0
    assert found["orphans"] == [{"issue_id": "t-orphan", "depends_on_id": "t-ghost",
                                 "type": "blocks"}]  # fmt: skip
    assert bd("repair-deps", "--fix", "--json").json()["fixed"] == 1
    assert bd("repair-deps", "--json").json()["orphans_found"] == 0
    assert "t-orphan" in [item["id"] for item in bd("ready", "--json").json()]


def test_doctor_reports_and_fixes_what_is_safe(bd: BdRunner) -> None:
    bd("create", "x", "--id", "t-x")
    _import_orphan(bd)
    report = bd("doctor", "--json").json()
    checks = {check["name"]: check for check in report["checks"]}
    assert checks["orphaned_dependencies"]["status"] == "warning"
    assert report["overall_ok"] is False
    fixed = bd("doctor", "--fix", "--json").json()
    assert fixed["overall_ok"] is True
    assert bd("doctor", "--json").json()["overall_ok"] is True
    assert "[ok] log" in bd("doctor").stdout


def test_doctor_pollution_and_validate_checks(bd: BdRunner) -> None:
    bd("create", "test issue please ignore", "--id", "t-test")
    bd("create", "Real work", "--id", "t-real")
    found = bd("doctor", "--check=pollution", "--json").json()
    assert [b["id"] for b in found["detected"]] == ["t-test"] and found["deleted"] == 0
    cleaned = bd("doctor", "--check=pollution", "--clean", "--yes", "--json").json()
    assert cleaned["deleted"] == 1
    assert [b["id"] for b in bd("list", "--json").json()] == ["t-real"]
    valid = bd("doctor", "--check=validate", "--json").json()
    assert valid["overall_ok"] is True and "orphaned_dependencies" in valid["checks"]


def test_cleanup_deletes_old_closed_beads(bd: BdRunner) -> None:
    bd("create", "done", "--id", "t-done")
    bd("create", "open", "--id", "t-open")
    bd("close", "t-done")
    assert bd("cleanup", "--days", "30", "--json").json()["deleted_count"] == 0
    dry = bd("cleanup", "--days", "0", "--dry-run", "--json").json()
    assert dry["candidates"] == ["t-done"] and dry["deleted_count"] == 0
    assert bd("cleanup", "--days", "0", "--json").json()["deleted_count"] == 1
    assert [b["id"] for b in bd("list", "--all", "--json").json()] == ["t-open"]
    refused(bd, "cleanup", "--days", "-1", code=2)


def test_migrate_inspect_and_quickstart(bd: BdRunner) -> None:
    plan = bd("migrate", "--inspect", "--json").json()
    assert plan["pending_migrations"] == [] and plan["registered_migrations"] == []
    text = bd("quickstart").stdout
    assert "bd ready" in text and "bd create" in text


def test_sync_without_git_or_town_fails_clearly(bd: BdRunner) -> None:
    bd("create", "x")
    result = bd("sync", check=False)
    assert result.returncode == 1
    assert "nothing to sync to" in result.stderr and "git" in result.stderr


def test_sync_in_a_git_repository_exports_and_commits(bd: BdRunner) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=bd.cwd, check=True)
    bd("create", "x", "--id", "t-x")
    done = bd("sync", "--json", extra_env=GIT_ENV).json()
    assert done["committed"] is True and done["exported"] == 1
    tracked = subprocess.run(["git", "ls-files"], cwd=bd.cwd, capture_output=True, text=True,
                             check=True).stdout.split()  # fmt: skip
    assert {".beads/events.jsonl", ".beads/issues.jsonl", ".beads/config.toml"} <= set(tracked)
    again = bd("sync", "--json", extra_env=GIT_ENV).json()
    assert again["committed"] is False
    assert "nothing new to commit" in bd("sync", extra_env=GIT_ENV).stdout


def test_export_is_on_by_default_outside_a_town_and_kept_current(
    bd_factory: Callable[[str], BdRunner],
) -> None:
    bd = bd_factory("plain")
    bd("init", "--prefix", "p")
    export = bd.beads_dir / "issues.jsonl"
    created = bd("create", "first", "--json").json()
    assert [json.loads(line)["id"] for line in export.read_text().splitlines()] == [created["id"]]
    bd("update", created["id"], "--title", "renamed")
    assert json.loads(export.read_text())["title"] == "renamed"
    bd("close", created["id"])
    assert json.loads(export.read_text())["status"] == "closed"


def test_concurrent_writers_leave_an_export_with_every_write(
    bd_factory: Callable[[str], BdRunner],
) -> None:
    bd = bd_factory("busy")
    bd("init", "--prefix", "b")
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "gastown_tui.cli.bd_main", "create", f"bead {n}"],
            cwd=bd.cwd, env=bd.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        for n in range(8)
    ]  # fmt: skip
    for writer in writers:
        assert writer.wait(timeout=60) == 0
    lines = (bd.beads_dir / "issues.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["title"] for line in lines) == [f"bead {n}" for n in range(8)]
