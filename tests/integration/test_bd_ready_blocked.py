"""`bd ready`, `bd blocked` and the dependency commands on one graph, through the real CLI.

The graph is built twice over: with `bd create` / `bd dep add` / `bd update` / `bd close` /
`bd delete`, and with `bd import` of a hand-written issues.jsonl that carries the spellings real
files use (`blocked_by`, `parent`, `parent_child`, `waits-for`, `conditional-blocks`), dangling
edges, tombstones, pins, wisps, deferrals, every non-work type, an ancestor chain and cycles.
DESIGN §3 "Ready and blocked" is the oracle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import BdRunner, clean_env

FUTURE = "2099-01-01T00:00:00Z"
PAST = "2000-01-01T00:00:00Z"


def _dep(issue: str, target: str, dep_type: str) -> dict[str, str]:
    return {"issue_id": issue, "depends_on_id": target, "type": dep_type,
            "created_at": "2025-01-01T00:00:00Z", "created_by": "fixture"}  # fmt: skip


def _rec(bead_id: str, created: str, *, priority: int | None = 2, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"id": bead_id, "title": f"imported {bead_id}", "status": "open"}
    if priority is not None:
        record["priority"] = priority
    record.update({"issue_type": "task", "created_at": created, "updated_at": created})
    deps = extra.pop("deps", None)
    record.update(extra)
    if deps:
        record["dependencies"] = [_dep(bead_id, target, kind) for kind, target in deps]
    return record


def _day(n: int) -> str:
    return f"2025-01-{n:02d}T00:00:00Z"


NON_WORK_TYPES = ("merge-request", "gate", "molecule", "message", "agent", "role", "rig", "convoy",
                  "escalation")  # fmt: skip

IMPORTED: list[dict[str, Any]] = [
    # Ready, P2, in created order.
    _rec("im-a", _day(1)),
    _rec("im-missing", _day(2), deps=[("blocks", "zz-not-in-store")]),
    _rec("im-after-tomb", _day(3), deps=[("blocks", "im-tomb")]),
    _rec("im-defer-past", _day(4), defer_until=PAST),
    _rec("im-after-closed", _day(5), deps=[("blocks", "im-closed")]),
    _rec("im-rel", _day(6), priority=3, deps=[("related", "im-cy1"), ("discovered-from", "im-b")]),
    {
        "id": "im-nostatus",
        "title": "no status, no type",
        "priority": 2,
        "created_at": _day(7),
        "updated_at": _day(7),
    },
    # Missing priority decodes as 0 (Go zero value): the first ready bead.
    _rec("im-nopri", "2025-06-01T00:00:00Z", priority=None),
    # Same instant: id decides (file order is the opposite).
    _rec("im-tie-b", "2025-02-01T00:00:00Z", priority=1),
    _rec("im-tie-a", "2025-02-01T00:00:00Z", priority=1),
    # Offsets: 10:00+05:30 is 04:30Z, before 05:00Z although its string sorts after.
    _rec("im-off2", "2025-03-01T05:00:00Z", priority=1),
    _rec("im-off1", "2025-03-01T10:00:00+05:30", priority=1),
    # Not ready and not blocked.
    _rec(
        "im-tomb",
        _day(8),
        status="tombstone",
        deleted_at=_day(9),
        deleted_by="daemon",
        original_type="task",
        title="tombstoned zebra",
    ),
    _rec("im-closed", _day(8), status="closed", closed_at=_day(9)),
    _rec("im-pinned-flag", _day(8), pinned=True),
    _rec("im-pinned-status", _day(8), status="pinned"),
    _rec("im-ephemeral", _day(8), ephemeral=True),
    _rec("im-wisp", _day(8), wisp=True),
    _rec("im-defer-future", _day(8), defer_until=FUTURE),
    _rec("im-deferred", _day(8), status="deferred"),
    _rec("im-hooked", _day(8), status="hooked", assignee="gastown/polecats/nux"),
    _rec("im-busy", _day(8), status="in_progress"),
    *[_rec(f"im-type-{kind}", _day(8), priority=0, issue_type=kind) for kind in NON_WORK_TYPES],
    # Directly blocked, every blocking spelling.
    _rec("im-b", _day(10), deps=[("blocked_by", "im-a")]),
    _rec("im-waits", _day(10), deps=[("waits-for", "im-a")]),
    _rec("im-cond", _day(10), deps=[("conditional-blocks", "im-a")]),
    _rec(
        "im-multi",
        _day(10),
        priority=0,
        deps=[
            ("blocks", "im-a"),
            ("waits-for", "im-cy1"),
            ("blocks", "im-tomb"),
            ("blocks", "zz-not-in-store"),
            ("blocks", "im-closed"),
        ],
    ),
    # A closed bead with an open blocker is not listed as blocked.
    _rec(
        "im-closed-blocked",
        _day(10),
        status="closed",
        closed_at=_day(11),
        deps=[("blocks", "im-a")],
    ),
    # Parent spellings under a blocked parent.
    _rec("im-p1", _day(11), deps=[("blocks", "im-a")]),
    _rec("im-c-parent", _day(12), priority=0, deps=[("parent", "im-p1")]),
    _rec("im-c-underscore", _day(12), priority=0, deps=[("parent_child", "im-p1")]),
    # Ancestor chain: the grandparent is blocked.
    _rec("im-gp", _day(13), deps=[("blocks", "im-a")]),
    _rec("im-par", _day(14), priority=0, deps=[("parent-child", "im-gp")]),
    _rec("im-kid", _day(15), priority=0, deps=[("parent-child", "im-par")]),
    # Children of deferred parents.
    _rec("im-child-of-deferred", _day(16), priority=0, deps=[("parent-child", "im-deferred")]),
    _rec("im-child-of-future", _day(16), priority=0, deps=[("parent-child", "im-defer-future")]),
    # A blocks-cycle, and a mixed three-cycle (parent edge + blocks).
    _rec("im-cy1", _day(17), deps=[("blocks", "im-cy2")]),
    _rec("im-cy2", _day(17), deps=[("blocks", "im-cy1")]),
    _rec("im-x3a", _day(18), deps=[("parent-child", "im-x3b")]),
    _rec("im-x3b", _day(18), deps=[("blocks", "im-x3c")]),
    _rec("im-x3c", _day(18), deps=[("blocks", "im-x3a")]),
]


@dataclass
class Graph:
    bd: BdRunner
    ids: dict[str, str]  # CLI-created beads: name -> generated id
    ready: list[str]  # expected `bd ready` order
    blocked: dict[str, tuple[list[str], str | None]]  # id -> (blocked_by, inherited_from)


def _ids(result: Any) -> list[str]:
    return [item["id"] for item in result]


def _create(bd: BdRunner, *args: str) -> str:
    return str(bd("create", *args, "--json").json()["id"])


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    root = tmp_path_factory.mktemp("graph")
    folder = root / "project"
    folder.mkdir()
    bd = BdRunner(folder, clean_env(root))
    bd("init", "--prefix", "t")
    source = root / "issues.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in IMPORTED), encoding="utf-8")
    summary = bd("import", str(source), "--json").json()
    assert summary["imported"] == len(IMPORTED), summary
    assert summary["problems"] == []

    ids: dict[str, str] = {}
    ids["ready_p1"] = _create(bd, "alpha widget gizmo", "-p", "1", "-l", "x,frontend")
    ids["blocker"] = _create(bd, "blocker bee", "-p", "2", "--rig", "y")
    ids["blocked"] = _create(bd, "blocked thing", "-p", "0", "--deps", ids["blocker"])
    ids["waiter"] = _create(bd, "waiter", "-p", "3")
    bd("dep", "add", ids["waiter"], ids["blocker"])
    ids["done_blocker"] = _create(bd, "finished blocker widget", "-p", "2")
    bd("close", ids["done_blocker"], "-r", "done")
    ids["freed"] = _create(bd, "freed", "-p", "2", "--deps", f"blocks:{ids['done_blocker']}")
    ids["epic"] = _create(bd, "epic", "-p", "2", "-t", "epic", "--rig", "y")
    ids["child"] = _create(bd, "epic child", "-p", "2", "--parent", ids["epic"], "-l", "x")
    ids["busy"] = _create(bd, "in flight", "-p", "0")
    bd("update", ids["busy"], "-s", "in_progress")
    ids["later"] = _create(bd, "later", "-p", "0")
    bd("update", ids["later"], "-s", "deferred")
    ids["later_child"] = _create(bd, "later child", "-p", "0", "--parent", ids["later"])
    ids["fan_in"] = _create(bd, "fan in", "-p", "1", "--deps", f"waits-for:{ids['ready_p1']}")
    ids["low"] = _create(bd, "lowly widget", "-p", "4", "-l", "x")
    ids["gone"] = _create(bd, "deleted widget", "-p", "0")
    bd("delete", ids["gone"])

    ready = [
        "im-nopri",
        "im-tie-a", "im-tie-b", "im-off1", "im-off2", ids["ready_p1"],
        "im-a", "im-missing", "im-after-tomb", "im-defer-past", "im-after-closed", "im-nostatus",
        ids["blocker"], ids["freed"], ids["epic"], ids["child"],
        "im-rel",
        ids["low"],
    ]  # fmt: skip
    blocked: dict[str, tuple[list[str], str | None]] = {
        ids["blocked"]: ([ids["blocker"]], None),
        ids["waiter"]: ([ids["blocker"]], None),
        ids["fan_in"]: ([ids["ready_p1"]], None),
        ids["later_child"]: ([], ids["later"]),
        "im-b": (["im-a"], None),
        "im-waits": (["im-a"], None),
        "im-cond": (["im-a"], None),
        "im-multi": (["im-a", "im-cy1"], None),
        "im-p1": (["im-a"], None),
        "im-c-parent": ([], "im-p1"),
        "im-c-underscore": ([], "im-p1"),
        "im-gp": (["im-a"], None),
        "im-par": ([], "im-gp"),
        "im-kid": ([], "im-gp"),
        "im-child-of-deferred": ([], "im-deferred"),
        "im-child-of-future": ([], "im-defer-future"),
        "im-cy1": (["im-cy2"], None),
        "im-cy2": (["im-cy1"], None),
        "im-x3a": ([], "im-x3b"),
        "im-x3b": (["im-x3c"], None),
        "im-x3c": (["im-x3a"], None),
    }
    return Graph(bd, ids, ready, blocked)


def test_ready_is_exactly_the_ready_beads_in_order(graph: Graph) -> None:
    got = _ids(graph.bd("ready", "--limit", "100", "--json").json())
    assert got == graph.ready


def test_ready_limit(graph: Graph) -> None:
    assert _ids(graph.bd("ready", "--json").json()) == graph.ready[:10]  # default 10
    assert _ids(graph.bd("ready", "-n", "3", "--json").json()) == graph.ready[:3]
    assert _ids(graph.bd("ready", "--limit", "13", "--json").json()) == graph.ready[:13]


def test_ready_text_output_lists_the_same_beads(graph: Graph) -> None:
    out = graph.bd("ready", "--limit", "100").stdout
    lines = [line for line in out.splitlines() if line.strip()]
    assert [line.split()[0] for line in lines] == graph.ready


def test_blocked_lists_direct_and_inherited(graph: Graph) -> None:
    views = graph.bd("blocked", "--json").json()
    got_ids = _ids(views)
    assert len(got_ids) == len(set(got_ids)), got_ids
    got = {
        view["id"]: (
            sorted(view["blocked_by"]),
            view["inherited_from"] if view["inherited"] else None,
        )
        for view in views
    }
    want = {key: (sorted(by), origin) for key, (by, origin) in graph.blocked.items()}
    assert got == want
    for view in views:
        assert view["blocked_by_count"] == len(view["blocked_by"])
        assert view["inherited"] is (not view["blocked_by"])
        if not view["inherited"]:
            assert view["inherited_from"] is None


def test_stats_counts(graph: Graph) -> None:
    stats = graph.bd("stats", "--json").json()["summary"]
    statuses = [r.get("status", "open") for r in IMPORTED if r.get("status") != "tombstone"]
    # CLI beads: 16 live; one closed, one in_progress, one deferred, the rest open.
    cli_live = len(graph.ids) - 1
    assert stats["total_issues"] == len(statuses) + cli_live
    assert stats["open_issues"] == statuses.count("open") + cli_live - 3
    assert stats["in_progress_issues"] == statuses.count("in_progress") + 1
    assert stats["closed_issues"] == statuses.count("closed") + 1
    assert stats["deferred_issues"] == statuses.count("deferred") + 1
    assert stats["hooked_issues"] == 1
    assert stats["pinned_issues"] == 2
    assert stats["tombstone_issues"] == 2
    assert stats["ready_issues"] == len(graph.ready)
    assert stats["blocked_issues"] == len(graph.blocked)
    assert sum(stats["by_status"].values()) == stats["total_issues"]
    assert "tombstone" not in stats["by_status"]


def test_dep_cycles_reports_imported_cycles(graph: Graph) -> None:
    cycles = graph.bd("dep", "cycles", "--json").json()
    assert sorted(sorted(c) for c in cycles) == [
        ["im-cy1", "im-cy2"],
        ["im-x3a", "im-x3b", "im-x3c"],
    ]


def _tree(bd: BdRunner, *args: str) -> list[tuple[str, int, str | None, str | None, bool]]:
    rows = bd("dep", "tree", *args, "--json").json()
    return [(r["id"], r["depth"], r["parent_id"], r["dep_type"], r["repeat"]) for r in rows]


def test_dep_tree_forward_and_reverse(graph: Graph) -> None:
    assert _tree(graph.bd, "im-kid") == [
        ("im-kid", 0, None, None, False),
        ("im-par", 1, "im-kid", "parent-child", False),
        ("im-gp", 2, "im-par", "parent-child", False),
        ("im-a", 3, "im-gp", "blocks", False),
    ]
    assert _tree(graph.bd, "im-gp", "--reverse") == [
        ("im-gp", 0, None, None, False),
        ("im-par", 1, "im-gp", "parent-child", False),
        ("im-kid", 2, "im-par", "parent-child", False),
    ]
    # A cycle is walked once: the way back to the root is marked as a repeat.
    assert _tree(graph.bd, "im-cy1") == [
        ("im-cy1", 0, None, None, False),
        ("im-cy2", 1, "im-cy1", "blocks", False),
        ("im-cy1", 2, "im-cy2", "blocks", True),
    ]
    rows = graph.bd("dep", "tree", "im-kid", "--max-depth", "1", "--json").json()
    assert [r["id"] for r in rows] == ["im-kid", "im-par"]
    assert rows[-1]["truncated"] is True
    assert rows[0]["title"] == "imported im-kid"
    assert rows[1]["status"] == "open"


def test_search(graph: Graph) -> None:
    ids = graph.ids

    def found(*args: str) -> set[str]:
        return set(_ids(graph.bd("search", *args, "--json").json()))

    assert found("widget") == {ids["ready_p1"], ids["low"]}
    assert found("widget", "--all") == {ids["ready_p1"], ids["low"], ids["done_blocker"]}
    assert found("wid") == {ids["ready_p1"], ids["low"]}  # words match as prefixes
    assert found("alpha gizmo") == {ids["ready_p1"]}  # every word must match
    assert found("alpha lowly") == set()
    assert found("deleted", "--all") == set()  # tombstones never
    assert found("imported im-cy2") == {"im-cy2"}
    assert found("zebra", "--all") == set()


def test_query(graph: Graph) -> None:
    ids = graph.ids

    def matched(expression: str) -> list[str]:
        return _ids(graph.bd("query", expression, "--json").json())

    got = matched("label = x")
    assert sorted(got) == sorted([ids["ready_p1"], ids["child"], ids["low"]])
    assert len(got) == len(set(got))
    assert sorted(matched("metadata.rig = y")) == sorted([ids["blocker"], ids["epic"]])
    assert sorted(matched("title ~ '^imported im-(cy|x3)'")) == sorted(
        ["im-cy1", "im-cy2", "im-x3a", "im-x3b", "im-x3c"]
    )
    assert sorted(matched("type = gate or type = convoy")) == ["im-type-convoy", "im-type-gate"]
    assert matched("status = closed and title ~ widget") == [ids["done_blocker"]]
    assert matched("status = tombstone") == []
    limited = graph.bd("query", "label = x", "-n", "2", "--json").json()
    assert len(limited) == 2


def test_query_parse_error_names_the_column(graph: Graph) -> None:
    result = graph.bd("query", "status = open oops", "--json", check=False)
    assert result.returncode == 2
    assert "query:1:15:" in result.stderr
    result = graph.bd("query", "priority <= ", check=False)
    assert result.returncode == 2
    assert "query:1:13:" in result.stderr


# --- Changing edges (each in its own store) ---------------------------------------------------


def test_dep_add_refuses_a_cycle_and_logs_nothing(bd: BdRunner) -> None:
    a = _create(bd, "a")
    b = _create(bd, "b", "--deps", a)
    c = _create(bd, "c")
    bd("dep", "add", c, b)  # c waits for b waits for a
    before = len(bd.events())
    result = bd("dep", "add", a, c, check=False)
    assert result.returncode == 1
    assert "cycle" in result.stderr
    for bead in (a, b, c):
        assert bead in result.stderr
    assert len(bd.events()) == before
    # Parent edges count too; a self-edge is refused.
    result = bd("dep", "add", a, c, "-t", "parent-child", check=False)
    assert result.returncode == 1
    assert "cycle" in result.stderr
    assert bd("dep", "add", a, a, check=False).returncode == 1
    assert len(bd.events()) == before
    assert bd("dep", "cycles", "--json").json() == []
    # An association edge may point back: it blocks nothing.
    bd("dep", "add", a, c, "-t", "related")
    assert len(bd.events()) == before + 1
    assert _ids(bd("ready", "--json").json()) == [a]


def test_dep_remove_unblocks_and_logs(bd: BdRunner) -> None:
    a = _create(bd, "a", "-p", "1")
    b = _create(bd, "b", "-p", "2")
    bd("dep", "add", b, a)
    assert _ids(bd("ready", "--json").json()) == [a]
    assert _ids(bd("blocked", "--json").json()) == [b]
    before = len(bd.events())
    removed = bd("dep", "remove", b, a, "--json").json()
    assert removed["issue_id"] == b and removed["depends_on_id"] == a
    new = bd.new_events(before)
    assert [(e["op"], e["bead"], e["data"]) for e in new] == [
        ("dep_remove", b, {"depends_on_id": a})
    ]
    assert _ids(bd("ready", "--json").json()) == [a, b]
    assert bd("blocked", "--json").json() == []
    assert bd("show", b, "--json").json()[0].get("dependencies", []) == []
    # Removing it again is refused; `rm` is an alias.
    assert bd("dep", "rm", b, a, check=False).returncode == 1
    assert len(bd.events()) == before + 1


def test_closing_and_reopening_a_blocker(bd: BdRunner) -> None:
    parent = _create(bd, "parent", "-t", "epic")
    blocker = _create(bd, "blocker")
    child = _create(bd, "child", "--parent", parent)
    bd("dep", "add", parent, blocker)
    blocked = {v["id"]: v for v in bd("blocked", "--json").json()}
    assert set(blocked) == {parent, child}
    assert blocked[child]["inherited"] is True
    assert blocked[child]["inherited_from"] == parent
    assert _ids(bd("ready", "--json").json()) == [blocker]
    bd("close", blocker)
    assert _ids(bd("ready", "--json").json()) == [parent, child]
    bd("reopen", blocker)
    assert _ids(bd("ready", "--json").json()) == [blocker]
    bd("delete", blocker)
    assert _ids(bd("ready", "--json").json()) == [parent, child]


def test_imported_cycle_members_stay_blocked(bd: BdRunner, tmp_path: Path) -> None:
    source = tmp_path / "cycle.jsonl"
    records = [
        _rec("cy-a", _day(1), deps=[("blocked_by", "cy-b")]),
        _rec("cy-b", _day(2), deps=[("waits-for", "cy-a")]),
        _rec("cy-c", _day(3)),
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    bd("import", str(source))
    assert bd("dep", "cycles", "--json").json() == [["cy-a", "cy-b"]]
    assert _ids(bd("ready", "--json").json()) == ["cy-c"]
    assert {v["id"]: v["blocked_by"] for v in bd("blocked", "--json").json()} == {
        "cy-a": ["cy-b"],
        "cy-b": ["cy-a"],
    }


def test_ancestors_are_followed_up_to_depth_50(bd: BdRunner, tmp_path: Path) -> None:
    records = [_rec("deep-0", _day(1), deps=[("blocks", "deep-root")]), _rec("deep-root", _day(1))]
    records += [
        _rec(f"deep-{n}", _day(2), deps=[("parent-child", f"deep-{n - 1}")]) for n in range(1, 53)
    ]
    source = tmp_path / "deep.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    bd("import", str(source))
    blocked = {v["id"]: v for v in bd("blocked", "--json").json()}
    assert set(blocked) == {f"deep-{n}" for n in range(51)}
    assert blocked["deep-50"]["inherited_from"] == "deep-0"
    ready = _ids(bd("ready", "--limit", "100", "--json").json())
    assert ready == ["deep-root", "deep-51", "deep-52"]
