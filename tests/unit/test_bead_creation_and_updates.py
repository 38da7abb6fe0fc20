"""The engine's bead creation and updates: the events they log, and what they refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
from bead_edit_fixtures import ACTOR, bead, logged, logged_since, new_store

from gastown_tui.store.bead_edits.bead_creation import NewBead, create_bead
from gastown_tui.store.bead_edits.bead_updates import BeadChanges, update_beads
from gastown_tui.store.bead_edits.refusals import (
    BeadExists,
    ClaimRefused,
    EditRefused,
    UnknownBead,
    WrongState,
)


def test_create_bead_logs_the_whole_record_in_one_create_event(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    target = bead(store, "the blocker")
    new = NewBead(title="Fix it", description="why", notes="", priority=1, issue_type="bug",
                  assignee="mayor", labels=("a", "b"),
                  dependencies=(("blocks", target),))  # fmt: skip
    bead_id = create_bead(store, ACTOR, new)
    [event] = logged_since(store, 1)
    assert (event["op"], event["bead"], event["actor"]) == ("create", bead_id, ACTOR)
    record = event["data"]["record"]
    assert list(record) == ["id", "title", "description", "status", "priority", "issue_type",
                            "assignee", "created_at", "created_by", "updated_at", "labels",
                            "dependencies"]  # fmt: skip
    assert record["labels"] == ["a", "b"] and record["created_by"] == ACTOR
    assert record["dependencies"] == [{"issue_id": bead_id, "depends_on_id": target,
                                       "type": "blocks", "created_at": event["ts"],
                                       "created_by": ACTOR}]  # fmt: skip
    assert store.get(bead_id) == {**record, "updated_at": event["ts"]}
    assert bead_id.startswith("t-")


def test_create_bead_refuses_a_missing_target_a_taken_id_and_an_unknown_rig(
    tmp_path: Path,
) -> None:
    store = new_store(tmp_path)
    taken = bead(store, "first")
    with pytest.raises(UnknownBead, match="no bead 't-nope'"):
        create_bead(store, ACTOR, NewBead("x", dependencies=(("blocks", "t-nope"),)))
    with pytest.raises(BeadExists, match=f"bead '{taken}' already exists"):
        create_bead(store, ACTOR, NewBead("x", bead_id=taken))
    (tmp_path / "town.toml").write_text("", encoding="utf-8")
    with pytest.raises(EditRefused, match="no rig 'web'"):
        create_bead(store, ACTOR, NewBead("x", rig="web"))
    assert len(logged(store)) == 1


def test_create_bead_exports_issues_jsonl_when_export_is_automatic(tmp_path: Path) -> None:
    store = new_store(tmp_path, export_auto=True)
    bead_id = bead(store, "exported")
    assert f'"id":"{bead_id}"'.encode() in store.paths.issues_export.read_bytes()


def test_update_beads_sets_unsets_and_relabels_every_bead_in_one_batch(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    first = bead(store, "one", assignee="mayor", labels=("old", "keep"))
    second = bead(store, "two", labels=("keep",))
    changes = BeadChanges(title="renamed", priority=0, assignee="", status="in_progress",
                          metadata=(("rig", "web"), ("gone", None)),
                          add_labels=("new",), remove_labels=("old",))  # fmt: skip
    update_beads(store, ACTOR, [first, second], changes)
    events = logged_since(store, 2)
    assert [(e["op"], e["bead"]) for e in events] == [
        ("update", first), ("label_add", first), ("label_remove", first),
        ("update", second), ("label_add", second),
    ]  # fmt: skip
    assert len({e["batch"]["id"] for e in events}) == 1
    update = events[0]["data"]
    assert update == {"set": {"title": "renamed", "priority": 0, "status": "in_progress",
                              "started_at": events[0]["ts"]},
                      "unset": ["assignee"], "metadata": {"rig": "web", "gone": None}}  # fmt: skip
    record = store.get(first)
    assert record is not None and "assignee" not in record
    assert sorted(record["labels"]) == ["keep", "new"]


def test_update_beads_reopening_by_status_unsets_the_closing_fields(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    bead_id = bead(store, "one")
    update_beads(store, ACTOR, [bead_id], BeadChanges(status="closed"))
    update_beads(store, ACTOR, [bead_id], BeadChanges(status="open", set_labels=("x",)))
    closing, reopening, label = logged_since(store, 1)
    assert closing["data"] == {"set": {"status": "closed", "closed_at": closing["ts"]}}
    assert reopening["data"] == {"set": {"status": "open"},
                                 "unset": ["closed_at", "close_reason"]}  # fmt: skip
    assert (label["op"], label["data"]) == ("label_add", {"label": "x"})


def test_update_beads_claims_for_the_actor_and_refuses_a_held_or_closed_bead(
    tmp_path: Path,
) -> None:
    store = new_store(tmp_path)
    free = bead(store, "free")
    held = bead(store, "held", assignee="mayor")
    update_beads(store, ACTOR, [free], BeadChanges(claim=True))
    [claim] = logged_since(store, 2)
    assert claim["op"] == "claim"
    assert claim["data"] == {"set": {"assignee": ACTOR, "status": "in_progress",
                                     "started_at": claim["ts"]}}  # fmt: skip
    with pytest.raises(ClaimRefused, match=f"{held} is assigned to mayor; not claiming it"):
        update_beads(store, ACTOR, [free, held], BeadChanges(claim=True, title="both"))
    update_beads(store, ACTOR, [free], BeadChanges(status="closed"))
    with pytest.raises(WrongState, match="is closed; reopen it before claiming"):
        update_beads(store, ACTOR, [free], BeadChanges(claim=True))
    with pytest.raises(UnknownBead):
        update_beads(store, ACTOR, ["t-zzzz"], BeadChanges(title="x"))
    assert len(logged(store)) == 4  # the refused batches wrote nothing
