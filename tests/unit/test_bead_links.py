"""The engine's labels, comments and dependencies: the events they log, and what they refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
from bead_edit_fixtures import ACTOR, bead, logged, logged_since, new_store

from gastown_tui.store.bead_edits.dependencies import add_dependency, remove_dependency
from gastown_tui.store.bead_edits.labels_and_comments import (
    add_comment,
    add_labels,
    remove_labels,
)
from gastown_tui.store.bead_edits.refusals import DependencyRefused, UnknownBead


def test_add_labels_logs_only_the_labels_the_bead_lacks(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    bead_id = bead(store, "one", labels=("a",))
    add_labels(store, ACTOR, bead_id, ["a", "b", "c"])
    events = logged_since(store, 1)
    assert [(e["op"], e["data"]) for e in events] == [("label_add", {"label": "b"}),
                                                      ("label_add", {"label": "c"})]  # fmt: skip
    record = store.get(bead_id)
    assert record is not None and sorted(record["labels"]) == ["a", "b", "c"]


def test_remove_labels_logs_only_the_labels_the_bead_has(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    bead_id = bead(store, "one", labels=("a", "b"))
    remove_labels(store, ACTOR, bead_id, ["b", "z"])
    assert [(e["op"], e["data"]) for e in logged_since(store, 1)] == [
        ("label_remove", {"label": "b"})
    ]
    with pytest.raises(UnknownBead):
        remove_labels(store, ACTOR, "t-none", ["a"])


def test_add_comment_logs_and_returns_the_comment(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    bead_id = bead(store, "one")
    comment = add_comment(store, ACTOR, bead_id, "looks good\nship it")
    [event] = logged_since(store, 1)
    assert (event["op"], event["data"]) == ("comment_add", {"comment": dict(comment)})
    assert comment["issue_id"] == bead_id and comment["author"] == ACTOR
    assert comment["created_at"] == event["ts"] and len(comment["id"]) == 26
    record = store.get(bead_id)
    assert record is not None and record["comments"][0]["text"] == "looks good\nship it"
    with pytest.raises(UnknownBead):
        add_comment(store, ACTOR, "t-none", "x")


def test_add_dependency_logs_the_edge_and_refuses_self_and_cycles(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    first, second, third = bead(store, "1"), bead(store, "2"), bead(store, "3")
    edge = add_dependency(store, ACTOR, first, second, "blocks")
    add_dependency(store, ACTOR, second, third, "blocks")
    event = logged(store)[3]
    assert (event["op"], event["bead"], event["data"]) == ("dep_add", first,
                                                           {"dependency": dict(edge)})  # fmt: skip
    assert edge == {"issue_id": first, "depends_on_id": second, "type": "blocks",
                    "created_at": event["ts"], "created_by": ACTOR}  # fmt: skip
    with pytest.raises(DependencyRefused, match=f"{first} cannot depend on itself"):
        add_dependency(store, ACTOR, first, first, "blocks")
    with pytest.raises(DependencyRefused, match=f"{third} → {first} would make a cycle: "):
        add_dependency(store, ACTOR, third, first, "blocks")
    add_dependency(store, ACTOR, third, first, "related")  # not blocking: no cycle to make
    with pytest.raises(UnknownBead):
        add_dependency(store, ACTOR, first, "t-none", "blocks")
    assert len(logged(store)) == 6


def test_remove_dependency_removes_the_edge_and_refuses_a_missing_one(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    first, second = bead(store, "1"), bead(store, "2")
    add_dependency(store, ACTOR, first, second, "waits-for")
    removed = remove_dependency(store, ACTOR, first, second)
    assert removed == {"issue_id": first, "depends_on_id": second, "type": "waits-for",
                       "removed": True}  # fmt: skip
    event = logged(store)[-1]
    assert (event["op"], event["data"]) == ("dep_remove", {"depends_on_id": second})
    record = store.get(first)
    assert record is not None and not record.get("dependencies")
    with pytest.raises(DependencyRefused, match=f"{first} has no dependency on {second}"):
        remove_dependency(store, ACTOR, first, second)
