"""`bd list`/`ready`/`blocked` filters the real CLI's clients send, `--limit 0` as no limit,
refusal of misspelled statuses, types and query fields (issues 15 and 11), and `bd init` with a
different prefix (issue 11)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from bd_helpers import refused

if TYPE_CHECKING:
    from conftest import BdRunner


def ids(result: Any) -> list[str]:
    return [item["id"] for item in result]


@pytest.fixture
def board(bd: BdRunner) -> BdRunner:
    bd("create", "epic", "--id", "t-epic", "-t", "epic", "-p", "1")
    bd("create", "fix login bug", "--id", "t-bug", "-t", "bug", "-p", "0", "-l", "ui,urgent")
    bd("create", "write docs", "--id", "t-doc", "-p", "2", "-l", "docs", "-a", "amy")
    bd("create", "child one", "--id", "t-c1", "--parent", "t-epic", "-p", "3", "-l", "ui")
    bd("create", "child two", "--id", "t-c2", "--parent", "t-epic", "-p", "2", "--deps", "t-bug")
    bd("create", "grandchild", "--id", "t-g1", "--parent", "t-c1", "-p", "4")
    return bd


def test_limit_zero_means_no_limit(board: BdRunner) -> None:
    everything = ids(board("list", "--json").json())
    assert len(everything) == 6
    assert ids(board("list", "--limit", "0", "--json").json()) == everything
    assert ids(board("list", "-n", "0", "--json").json()) == everything
    assert len(board("list", "-n", "2", "--json").json()) == 2
    assert len(board("ready", "-n", "0", "--json").json()) == 5
    assert len(board("query", "priority >= 0", "-n", "0", "--json").json()) == 6


def test_list_filters(board: BdRunner) -> None:
    def listed(*flags: str) -> list[str]:
        return sorted(ids(board("list", *flags, "--json").json()))

    assert listed("--label-any", "docs", "--label-any", "urgent") == ["t-bug", "t-doc"]
    assert listed("--label-any", "docs,urgent") == ["t-bug", "t-doc"]
    assert listed("--exclude-label", "ui") == ["t-c2", "t-doc", "t-epic", "t-g1"]
    assert listed("--title", "CHILD") == ["t-c1", "t-c2", "t-g1"]
    assert "t-doc" not in listed("--no-assignee") and len(listed("--no-assignee")) == 5
    assert listed("--id", "t-bug,t-g1") == ["t-bug", "t-g1"]
    board("close", "t-g1")
    assert listed("--id", "t-g1") == ["t-g1"]  # named ids are shown whatever their status


def test_ready_filters(board: BdRunner) -> None:
    def ready(*flags: str) -> list[str]:
        return ids(board("ready", *flags, "--json").json())

    assert ready() == ["t-bug", "t-epic", "t-doc", "t-c1", "t-g1"]  # t-c2 waits for t-bug
    assert ready("--type", "bug") == ["t-bug"]
    assert ready("--priority", "2") == ["t-doc"]
    assert ready("--assignee", "amy") == ["t-doc"]
    assert ready("--unassigned") == ["t-bug", "t-epic", "t-c1", "t-g1"]
    assert ready("--label", "ui", "--label", "urgent") == ["t-bug"]
    assert ready("--label-any", "docs", "--label-any", "ui") == ["t-bug", "t-doc", "t-c1"]
    assert ready("--parent", "t-epic") == ["t-c1", "t-g1"]
    assert ready("--parent", "t-epic", "--limit", "1") == ["t-c1"]
    assert ready("--sort", "oldest") == ["t-epic", "t-bug", "t-doc", "t-c1", "t-g1"]
    assert ready("--sort", "priority") == ready()
    assert sorted(ready("--sort", "hybrid")) == sorted(ready())


def test_blocked_parent(board: BdRunner) -> None:
    assert ids(board("blocked", "--json").json()) == ["t-c2"]
    assert ids(board("blocked", "--parent", "t-epic", "--json").json()) == ["t-c2"]
    assert ids(board("blocked", "--parent", "t-c1", "--json").json()) == []


def test_misspelled_status_or_type_is_named_with_the_valid_ones(board: BdRunner) -> None:
    stderr = refused(board, "list", "--status", "opne", code=2)
    assert "'opne'" in stderr and "open" in stderr and "in_progress" in stderr
    stderr = refused(board, "list", "--type", "bgu", "--json", code=2)
    assert "'bgu'" in stderr and "bug" in stderr
    refused(board, "ready", "--type", "bgu", code=2)
    board("list", "--status", "open")  # valid ones still work, custom stored ones too
    assert board("list", "--status", "in_progress", "--json").json() == []


def test_misspelled_query_field_or_value_is_refused(board: BdRunner) -> None:
    stderr = refused(board, "query", "priorty <= 1", code=2)
    assert "'priorty'" in stderr and "priority" in stderr
    stderr = refused(board, "query", "status = opne", code=2)
    assert "'opne'" in stderr and "open" in stderr
    refused(board, "query", "type in [bug, fetaure]", code=2)
    assert ids(board("query", "priority <= 0", "--json").json()) == ["t-bug"]
    assert ids(board("query", "metadata.rig = x", "--json").json()) == []  # nested keys are open
    assert len(board("query", "status ~ op", "--json").json()) == 6


def test_init_again_with_another_prefix_is_refused(bd: BdRunner) -> None:
    stderr = refused(bd, "init", "--prefix", "other")
    assert "prefix 't'" in stderr and "other" in stderr
    assert bd("init", "--prefix", "t", "--json").json()["prefix"] == "t"
    assert bd("init", "--json").json()["prefix"] == "t"
    assert bd("create", "x", "--json").json()["id"].startswith("t-")
