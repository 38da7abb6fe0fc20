"""Acceptance for issue 15: beads-mcp 1.3.2, the official MCP server for beads, drives our `bd`.

Every tool function of `beads_mcp.tools` is called against the real `bd` command line (the
venv's `bd` entry point, as beads-mcp finds it through BEADS_PATH) in a git repository in
tmp_path. beads-mcp validates each `--json` answer against its own pydantic models
(`Issue`, `LinkedIssue`, `BlockedIssue`, `Stats`, `Comment`) as it parses it; the test checks
every call succeeds, re-validates what came back, and checks the content is what was asked.
beads-mcp is in the dev extra of pyproject.toml (`pip install -e '.[dev]'`).
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

try:
    from beads_mcp import tools
    from beads_mcp.models import BlockedIssue, Comment, Issue, Stats
except ImportError:  # pragma: no cover - the dev extra is the supported setup
    pytest.fail("beads-mcp==1.3.2 is a dev dependency: pip install -e '.[dev]'", pytrace=False)

TOOLS = sorted(name for name, value in vars(tools).items()
               if name.startswith("beads_") and inspect.iscoroutinefunction(value))  # fmt: skip


class Calls:
    """Calls beads-mcp's tools by name and remembers which were called."""

    def __init__(self) -> None:
        self.called: set[str] = set()

    async def __call__(self, name: str, **arguments: Any) -> Any:
        self.called.add(name)
        result = await getattr(tools, name)(**arguments)
        for item in result if isinstance(result, list) else [result]:
            if isinstance(item, Issue | Stats | Comment):  # validate again, from the dump
                type(item).model_validate(item.model_dump())
        return result


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "repo"
    folder.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=folder, check=True)
    for key in list(os.environ):
        if key.startswith(("BD_", "GT_", "BEADS_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("BEADS_PATH", str(Path(sys.executable).parent / "bd"))
    monkeypatch.setenv("BEADS_WORKING_DIR", str(folder))
    monkeypatch.setenv("BEADS_ACTOR", "mcp-agent")
    monkeypatch.chdir(folder)
    tools._connection_pool.clear()
    tools._version_checked.clear()
    return folder


def ids(issues: list[Any]) -> list[str]:
    return [issue.id for issue in issues]


async def test_every_beads_mcp_tool_works_against_our_bd(repo: Path) -> None:
    call = Calls()
    assert "mcp" in await call("beads_init", prefix="mcp")
    assert (repo / ".beads" / "beads.db").exists()

    design = await call(
        "beads_create_issue", title="Design the parser", description="why and how",
        design="a recursive descent", acceptance="parses the grammar", external_ref="gh-9",
        priority=1, issue_type="feature", labels=["parser", "core"],
    )  # fmt: skip
    assert (design.external_ref, design.priority, design.issue_type) == ("gh-9", 1, "feature")
    assert design.labels == ["core", "parser"] and design.acceptance_criteria
    build = await call("beads_create_issue", title="Implement the parser", deps=[design.id],
                       labels=["parser"], id="mcp-build")  # fmt: skip
    assert build.id == "mcp-build"
    assert [(d.id, d.dependency_type) for d in build.dependencies] == [(design.id, "blocks")]
    epic = await call("beads_create_issue", title="Parser epic", issue_type="epic", priority=0)
    child = await call("beads_create_issue", title="Child step",
                       deps=[f"parent-child:{epic.id}"], assignee="amy")  # fmt: skip
    leftover = await call("beads_create_issue", title="test leftover", issue_type="chore",
                          priority=4)  # fmt: skip

    shown = await call("beads_show_issue", issue_id=design.id)
    assert [(d.id, d.dependency_type) for d in shown.dependents] == [(build.id, "blocks")]
    assert shown.description == "why and how"

    ready = await call("beads_ready_work", limit=10)
    assert build.id not in ids(ready) and design.id in ids(ready)
    assert ids(await call("beads_ready_work", labels=["parser", "core"])) == [design.id]
    assert ids(await call("beads_ready_work", labels_any=["core"], priority=1,
                          issue_type="feature", unassigned=True,
                          sort_policy="oldest")) == [design.id]  # fmt: skip
    assert ids(await call("beads_ready_work", parent=epic.id, assignee="amy")) == [child.id]

    listed = await call("beads_list_issues", status="open", query="PARSER", limit=10)
    assert set(ids(listed)) == {design.id, build.id, epic.id}
    narrowed = await call("beads_list_issues", labels=["parser"], labels_any=["core"],
                          priority=1, issue_type="feature", unassigned=True)  # fmt: skip
    assert ids(narrowed) == [design.id]
    assert ids(await call("beads_list_issues", assignee="amy")) == [child.id]

    blocked = await call("beads_blocked")
    assert all(isinstance(item, BlockedIssue) for item in blocked)
    assert [(b.id, b.blocked_by) for b in blocked] == [(build.id, [design.id])]
    assert await call("beads_blocked", parent=epic.id) == []

    updated = await call(
        "beads_update_issue", issue_id=design.id, status="in_progress", priority=0,
        assignee="bob", title="Design the parser well", description="more", design="LL(1)",
        acceptance_criteria="all tests", notes="first note", external_ref="gh-10",
    )  # fmt: skip
    assert isinstance(updated, Issue) and updated.status == "in_progress"
    assert (updated.title, updated.assignee, updated.external_ref) == (
        "Design the parser well", "bob", "gh-10",
    )  # fmt: skip
    claimed = await call("beads_claim_issue", issue_id=epic.id)
    assert (claimed.status, claimed.assignee) == ("in_progress", "mcp-agent")

    assert design.id in await call("beads_add_note", issue_id=design.id, text="second note")
    assert design.id in await call("beads_add_comment", issue_id=design.id, text="decided LL(1)")
    comments = await call("beads_list_comments", issue_id=design.id)
    assert [(c.author, c.text) for c in comments] == [("mcp-agent", "decided LL(1)")]
    assert (await call("beads_show_issue", issue_id=design.id)).notes == (
        "first note\n\nsecond note"
    )

    (closed,) = await call("beads_close_issue", issue_id=design.id, reason="designed")
    assert closed.status == "closed" and closed.closed_at is not None
    assert build.id in ids(await call("beads_ready_work"))
    (reopened,) = await call("beads_reopen_issue", issue_ids=[design.id], reason="rethink")
    assert reopened.status == "open" and reopened.closed_at is None
    dep = await call("beads_add_dependency", issue_id=leftover.id, depends_on_id=epic.id,
                     dep_type="related")  # fmt: skip
    assert not dep.startswith("Error"), dep

    stats = await call("beads_stats")
    assert stats.summary.total_issues == 5 and stats.recent_activity is not None
    assert stats.recent_activity.issues_created == 5
    assert "bd" in await call("beads_quickstart")
    assert (await call("beads_inspect_migration"))["pending_migrations"] == []
    schema = await call("beads_get_schema_info")
    assert "beads" in schema["schema"]["tables"]
    assert (await call("beads_repair_deps"))["orphans_found"] == 0
    assert (await call("beads_repair_deps", fix=True))["fixed"] == 0
    assert (await call("beads_validate"))["overall_ok"] is True
    assert (await call("beads_validate", fix_all=True))["overall_ok"] is True
    found = await call("beads_detect_pollution")
    assert [item["id"] for item in found["detected"]] == [leftover.id]
    assert (await call("beads_detect_pollution", clean=True))["deleted"] == 1

    assert call.called == set(TOOLS), f"tools not called: {set(TOOLS) - call.called}"
    events = (repo / ".beads" / "events.jsonl").read_text().splitlines()
    assert events and all('"actor":"mcp-agent"' in line for line in events)
