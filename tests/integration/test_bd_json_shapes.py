"""`--json` shapes as the real beads CLI prints them (issue 15): linked `dependencies` and
`dependents` in show/create/update/close, `stats` with `summary` and `recent_activity`, `show A
B` with a missing id, and comment ids typed as strings.

The fields checked are the real CLI's documented ones (`types.IssueWithDependencyMetadata`,
`types.Statistics`, beads-mcp's `LinkedIssue`, `Stats`, `Comment`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import BdRunner

LINKED_FIELDS = {"id", "title", "status", "priority", "issue_type", "created_at", "updated_at",
                 "dependency_type"}  # fmt: skip


def _linked(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    for item in items:
        assert set(item) >= LINKED_FIELDS, item
        assert "depends_on_id" not in item and "dependencies" not in item
    return sorted((item["id"], item["dependency_type"]) for item in items)


def test_show_lists_linked_issues_both_ways(bd: BdRunner) -> None:
    bd("create", "epic", "--id", "t-epic", "-t", "epic")
    bd("create", "first", "--id", "t-one", "-p", "1")
    child = bd("create", "child", "--id", "t-kid", "--parent", "t-epic", "--deps", "t-one",
               "--json").json()  # fmt: skip
    assert _linked(child["dependencies"]) == [("t-epic", "parent-child"), ("t-one", "blocks")]
    assert "dependents" not in child  # omitted when empty, as the real CLI does
    assert child["dependency_count"] == 2 and child["parent"] == "t-epic"
    shown = {view["id"]: view for view in bd("show", "t-epic", "t-one", "--json").json()}
    assert _linked(shown["t-epic"]["dependents"]) == [("t-kid", "parent-child")]
    (dependent,) = shown["t-one"]["dependents"]
    assert (dependent["title"], dependent["status"], dependent["issue_type"]) == (
        "child", "open", "task",
    )  # fmt: skip
    assert "dependencies" not in shown["t-one"]


def test_update_and_close_print_linked_issues(bd: BdRunner) -> None:
    bd("create", "blocker", "--id", "t-b")
    bd("create", "waiter", "--id", "t-w", "--deps", "t-b")
    (updated,) = bd("update", "t-w", "--priority", "0", "--json").json()
    assert _linked(updated["dependencies"]) == [("t-b", "blocks")]
    (closed,) = bd("close", "t-b", "--reason", "done", "--json").json()
    assert _linked(closed["dependents"]) == [("t-w", "blocks")]
    assert closed["status"] == "closed" and closed["close_reason"] == "done"


def test_show_reports_missing_ids_and_shows_the_found_ones(bd: BdRunner) -> None:
    bd("create", "here", "--id", "t-here")
    result = bd("show", "t-here", "t-gone", "--json")
    assert [view["id"] for view in result.json()] == ["t-here"]
    assert "Issue t-gone not found" in result.stderr
    nothing = bd("show", "t-gone", "t-lost", "--json", check=False)
    assert nothing.returncode == 1 and nothing.stdout == ""
    assert "t-gone" in nothing.stderr and "t-lost" in nothing.stderr


def test_stats_has_summary_and_recent_activity(bd: BdRunner) -> None:
    bd("create", "a", "--id", "t-a")
    bd("create", "b", "--id", "t-b")
    bd("close", "t-a")
    bd("reopen", "t-a")
    bd("update", "t-b", "--priority", "0")
    data = bd("stats", "--json").json()
    summary = data["summary"]
    for key in ("total_issues", "open_issues", "in_progress_issues", "closed_issues",
                "blocked_issues", "ready_issues", "average_lead_time_hours"):  # fmt: skip
        assert key in summary, key
    assert summary["total_issues"] == 2 and summary["open_issues"] == 2
    activity = data["recent_activity"]
    assert activity["hours_tracked"] == 24
    assert (activity["issues_created"], activity["issues_closed"], activity["issues_reopened"],
            activity["issues_updated"], activity["total_changes"]) == (2, 1, 1, 1, 5)  # fmt: skip


def test_comment_ids_are_strings_even_when_imported_as_numbers(bd: BdRunner) -> None:
    line = {"id": "t-old", "title": "old", "status": "open", "priority": 2, "issue_type": "task",
            "created_at": "2025-11-01T10:00:00Z", "updated_at": "2025-11-01T10:00:00Z",
            "comments": [{"id": 7, "issue_id": "t-old", "author": "ann", "text": "hi",
                          "created_at": "2025-11-01T10:00:00Z"}]}  # fmt: skip
    source = bd.cwd / "old.jsonl"
    source.write_text(json.dumps(line) + "\n")
    bd("import", str(source))
    (shown,) = bd("show", "t-old", "--json").json()
    assert [comment["id"] for comment in shown["comments"]] == ["7"]
    bd("comments", "add", "t-old", "new one")
    listed = bd("comments", "t-old", "--json").json()
    assert all(isinstance(comment["id"], str) for comment in listed)
