"""`bd update`, `bd close`, `bd reopen`, `bd delete` through the real command line.

Every test checks the `--json` output and the events the command appended to
`.beads/events.jsonl` (or that a refused command appended none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bd_helpers import new, only_event, refused

if TYPE_CHECKING:
    from conftest import BdRunner


def get(bd: BdRunner, bead_id: str) -> dict[str, Any]:
    return bd("show", bead_id, "--json").json()[0]


def ids(result: Any) -> list[str]:
    return [item["id"] for item in result]


# --- update: fields ---------------------------------------------------------------------------


def test_update_every_field_flag(bd: BdRunner) -> None:
    new(bd, "t-a")
    n = len(bd.events())
    out = bd(
        "update", "t-a", "--title", "new title", "-d", "new description", "--design", "D",
        "--acceptance", "AC", "--notes", "N", "-s", "in_progress", "-p", "P0", "-t", "bug",
        "-a", "bob", "--actor", "carol", "--json",
    ).json()  # fmt: skip
    assert isinstance(out, list) and len(out) == 1
    view = out[0]
    expected = {
        "id": "t-a", "title": "new title", "description": "new description", "design": "D",
        "acceptance_criteria": "AC", "notes": "N", "status": "in_progress", "priority": 0,
        "issue_type": "bug", "assignee": "bob", "created_by": "overseer",
    }  # fmt: skip
    for key, value in expected.items():
        assert view[key] == value, key

    event = only_event(bd, n)
    assert (event["op"], event["bead"], event["actor"]) == ("update", "t-a", "carol")
    ts = event["ts"]
    assert set(event["data"]) <= {"set", "unset"}
    assert set(event["data"].get("unset", [])) <= {"closed_at", "close_reason"}
    assert event["data"]["set"] == {
        "title": "new title", "description": "new description", "design": "D",
        "acceptance_criteria": "AC", "notes": "N", "priority": 0, "issue_type": "bug",
        "assignee": "bob", "status": "in_progress", "started_at": ts,
    }  # fmt: skip
    assert view["started_at"] == ts and view["updated_at"] == ts
    assert get(bd, "t-a") == view


def test_update_long_flag_spellings(bd: BdRunner) -> None:
    new(bd, "t-a")
    n = len(bd.events())
    view = bd(
        "update", "t-a", "--description", "d2", "--status", "blocked", "--priority", "4",
        "--type", "chore", "--assignee", "dora", "--json",
    ).json()[0]  # fmt: skip
    assert (view["description"], view["status"], view["priority"]) == ("d2", "blocked", 4)
    assert (view["issue_type"], view["assignee"]) == ("chore", "dora")
    event = only_event(bd, n)
    assert set(event["data"].get("unset", [])) <= {"closed_at", "close_reason"}
    assert event["data"]["set"] == {
        "description": "d2", "priority": 4, "issue_type": "chore", "assignee": "dora",
        "status": "blocked",
    }  # fmt: skip


def test_update_description_from_stdin(bd: BdRunner) -> None:
    new(bd, "t-a", "-d", "old")
    body = "from stdin\nwith \x00 nul\n"
    n = len(bd.events())
    view = bd("update", "t-a", "--stdin", "--json", input=body.encode()).json()[0]
    assert view["description"] == body
    event = only_event(bd, n)
    assert (event["op"], event["actor"]) == ("update", "overseer")
    assert event["data"] == {"set": {"description": body}}


def test_update_empty_assignee_unassigns(bd: BdRunner) -> None:
    new(bd, "t-a", "-a", "bob")
    n = len(bd.events())
    view = bd("update", "t-a", "-a", "", "--json").json()[0]
    assert "assignee" not in view
    event = only_event(bd, n)
    assert event["data"] == {"unset": ["assignee"]}
    assert ids(bd("list", "-a", "bob", "--json").json()) == []


def test_update_several_beads_in_one_command(bd: BdRunner) -> None:
    new(bd, "t-a")
    new(bd, "t-b")
    n = len(bd.events())
    out = bd("update", "t-a", "t-b", "-p", "1", "--actor", "mayor", "--json").json()
    assert ids(out) == ["t-a", "t-b"]
    assert [view["priority"] for view in out] == [1, 1]
    events = bd.new_events(n)
    assert [(e["op"], e["bead"], e["actor"]) for e in events] == [
        ("update", "t-a", "mayor"),
        ("update", "t-b", "mayor"),
    ]
    assert all(e["data"] == {"set": {"priority": 1}} for e in events)


def test_update_unknown_or_deleted_bead_is_refused_and_changes_nothing(bd: BdRunner) -> None:
    new(bd, "t-a")
    new(bd, "t-gone")
    bd("delete", "t-gone")
    assert "no bead 't-nope'" in refused(bd, "update", "t-a", "t-nope", "-p", "0", "--json")
    assert "deleted" in refused(bd, "update", "t-gone", "-p", "0")
    assert get(bd, "t-a")["priority"] == 2


def test_update_refuses_invalid_values_with_usage_exit(bd: BdRunner) -> None:
    new(bd, "t-a")
    assert "priority" in refused(bd, "update", "t-a", "-p", "9", code=2)
    assert "status" in refused(bd, "update", "t-a", "-s", "Not Valid", "--json", code=2)
    assert "type" in refused(bd, "update", "t-a", "-t", "a/b", "--json", code=2)
    assert "metadata" in refused(bd, "update", "t-a", "--set-metadata", "novalue", code=2)
    assert "metadata" in refused(bd, "update", "t-a", "--set-metadata", "=v", code=2)


# --- update: labels and metadata --------------------------------------------------------------


def test_update_labels_add_remove_and_set(bd: BdRunner) -> None:
    new(bd, "t-a", "-l", "a,b")
    n = len(bd.events())
    view = bd("update", "t-a", "--add-label", "c", "--remove-label", "a", "--json").json()[0]
    assert view["labels"] == ["b", "c"]
    assert [(e["op"], e["bead"], e["data"]) for e in bd.new_events(n)] == [
        ("label_add", "t-a", {"label": "c"}),
        ("label_remove", "t-a", {"label": "a"}),
    ]

    n = len(bd.events())
    view = bd("update", "t-a", "--set-labels", "y,x", "--json", "--actor", "bo").json()[0]
    assert view["labels"] == ["x", "y"]
    events = bd.new_events(n)
    assert [(e["op"], e["data"]["label"]) for e in events] == [
        ("label_add", "x"), ("label_add", "y"), ("label_remove", "b"), ("label_remove", "c"),
    ]  # fmt: skip
    assert {e["actor"] for e in events} == {"bo"}

    n = len(bd.events())
    view = bd(
        "update", "t-a", "--set-labels", "x", "--add-label", "z,w", "--add-label", "x",
        "--remove-label", "y", "--json",
    ).json()[0]  # fmt: skip
    assert view["labels"] == ["w", "x", "z"]
    assert [(e["op"], e["data"]["label"]) for e in bd.new_events(n)] == [
        ("label_add", "w"), ("label_add", "z"), ("label_remove", "y"),
    ]  # fmt: skip

    n = len(bd.events())
    view = bd("update", "t-a", "--add-label", "x", "--remove-label", "absent", "--json").json()
    assert view[0]["labels"] == ["w", "x", "z"]
    assert bd.new_events(n) == [], "a label change that changes nothing logs nothing"
    assert ids(bd("list", "-l", "w", "-l", "z", "--json").json()) == ["t-a"]


def test_update_metadata_set_json_values_strings_and_unset(bd: BdRunner) -> None:
    new(bd, "t-a", "--rig", "r1")
    n = len(bd.events())
    view = bd(
        "update", "t-a", "--set-metadata", "n=5", "--set-metadata", "s=hello",
        "--set-metadata", 'j={"x":[1,true]}', "--set-metadata", 'q="5"',
        "--set-metadata", "eq=a=b", "--set-metadata", "rig=r2", "--json",
    ).json()[0]  # fmt: skip
    expected = {"rig": "r2", "n": 5, "s": "hello", "j": {"x": [1, True]}, "q": "5", "eq": "a=b"}
    assert view["metadata"] == expected
    event = only_event(bd, n)
    assert (event["op"], event["bead"], event["actor"]) == ("update", "t-a", "overseer")
    assert event["data"] == {
        "metadata": {"n": 5, "s": "hello", "j": {"x": [1, True]}, "q": "5", "eq": "a=b",
                     "rig": "r2"}
    }  # fmt: skip
    assert ids(bd("list", "--rig", "r2", "--json").json()) == ["t-a"]
    assert ids(bd("list", "--rig", "r1", "--json").json()) == []

    n = len(bd.events())
    view = bd("update", "t-a", "--unset-metadata", "n", "--unset-metadata", "j", "--json").json()
    assert view[0]["metadata"] == {"rig": "r2", "s": "hello", "q": "5", "eq": "a=b"}
    assert only_event(bd, n)["data"] == {"metadata": {"n": None, "j": None}}


# --- update --claim ---------------------------------------------------------------------------


def test_claim_an_unassigned_bead_then_again_by_the_same_actor(bd: BdRunner) -> None:
    new(bd, "t-a")
    n = len(bd.events())
    view = bd("update", "t-a", "--claim", "--actor", "alice", "--json").json()[0]
    assert (view["assignee"], view["status"]) == ("alice", "in_progress")
    event = only_event(bd, n)
    assert (event["op"], event["bead"], event["actor"]) == ("claim", "t-a", "alice")
    assert event["data"] == {
        "set": {"assignee": "alice", "status": "in_progress", "started_at": event["ts"]}
    }
    assert view["started_at"] == event["ts"]

    n = len(bd.events())
    again = bd("update", "t-a", "--claim", "--json", actor="alice").json()[0]
    assert (again["assignee"], again["status"]) == ("alice", "in_progress")
    assert again["started_at"] == view["started_at"], "a second claim keeps the first start"
    event = only_event(bd, n)
    assert (event["op"], event["actor"]) == ("claim", "alice")
    assert event["data"] == {"set": {"assignee": "alice", "status": "in_progress"}}


def test_claim_refused_when_assigned_to_someone_else(bd: BdRunner) -> None:
    new(bd, "t-a", "-a", "alice")
    stderr = refused(bd, "update", "t-a", "--claim", "--actor", "bob", "--json")
    assert "assigned to alice" in stderr and "bob" in stderr
    before = bd.events()
    result = bd("update", "t-a", "--claim", "-p", "0", check=False, actor="bob")
    assert result.returncode == 1
    assert bd.events() == before, "a refused claim must not log the other changes either"
    view = get(bd, "t-a")
    assert (view["assignee"], view["status"], view["priority"]) == ("alice", "open", 2)


def test_claim_refused_on_a_closed_bead(bd: BdRunner) -> None:
    new(bd, "t-a")
    bd("close", "t-a")
    assert "closed" in refused(bd, "update", "t-a", "--claim", "--json")


def test_claim_with_other_fields_logs_claim_then_update(bd: BdRunner) -> None:
    new(bd, "t-a")
    n = len(bd.events())
    view = bd("update", "t-a", "--claim", "--notes", "on it", "--json", actor="nux").json()[0]
    assert (view["assignee"], view["status"], view["notes"]) == ("nux", "in_progress", "on it")
    events = bd.new_events(n)
    assert [(e["op"], e["actor"]) for e in events] == [("claim", "nux"), ("update", "nux")]
    assert events[1]["data"] == {"set": {"notes": "on it"}}


# --- status changes ---------------------------------------------------------------------------


def test_update_status_closed_sets_closed_at_and_open_removes_it(bd: BdRunner) -> None:
    new(bd, "t-a")
    n = len(bd.events())
    view = bd("update", "t-a", "-s", "closed", "--json").json()[0]
    event = only_event(bd, n)
    assert (event["op"], event["bead"]) == ("update", "t-a")
    assert event["data"] == {"set": {"status": "closed", "closed_at": event["ts"]}}
    assert (view["status"], view["closed_at"]) == ("closed", event["ts"])
    assert ids(bd("list", "--json").json()) == []

    n = len(bd.events())
    view = bd("update", "t-a", "-s", "open", "--json").json()[0]
    assert view["status"] == "open"
    assert "closed_at" not in view and "close_reason" not in view
    event = only_event(bd, n)
    assert event["data"] == {"set": {"status": "open"}, "unset": ["closed_at", "close_reason"]}
    assert ids(bd("list", "--json").json()) == ["t-a"]


# --- close / reopen ---------------------------------------------------------------------------


def test_close_with_reason_several_beads(bd: BdRunner) -> None:
    new(bd, "t-a")
    new(bd, "t-b")
    n = len(bd.events())
    out = bd("close", "t-a", "t-b", "-r", "done and dusted", "--actor", "witness", "--json").json()
    assert ids(out) == ["t-a", "t-b"]
    events = bd.new_events(n)
    assert [(e["op"], e["bead"], e["actor"]) for e in events] == [
        ("close", "t-a", "witness"),
        ("close", "t-b", "witness"),
    ]
    for view, event in zip(out, events, strict=True):
        assert event["data"] == {
            "set": {"status": "closed", "closed_at": event["ts"], "close_reason": "done and dusted"}
        }
        assert (view["status"], view["closed_at"]) == ("closed", event["ts"])
        assert view["close_reason"] == "done and dusted"
    assert ids(bd("list", "--json").json()) == []
    assert ids(bd("list", "-s", "closed", "--json").json()) == ["t-a", "t-b"]


def test_close_long_reason_flag_and_without_reason(bd: BdRunner) -> None:
    new(bd, "t-a")
    new(bd, "t-b")
    n = len(bd.events())
    assert bd("close", "t-a", "--reason", "why", "--json").json()[0]["close_reason"] == "why"
    view = bd("close", "t-b", "--json").json()[0]
    assert view["status"] == "closed" and "close_reason" not in view
    events = bd.new_events(n)
    assert events[0]["data"]["set"]["close_reason"] == "why"
    assert events[1]["data"] == {"set": {"status": "closed", "closed_at": events[1]["ts"]}}


def test_close_an_already_closed_bead_warns_and_logs_nothing(bd: BdRunner) -> None:
    new(bd, "t-a")
    first = bd("close", "t-a", "-r", "first", "--json").json()[0]
    n = len(bd.events())
    result = bd("close", "t-a", "-r", "second", "--json")
    assert result.returncode == 0
    assert "already closed" in result.stderr
    view = result.json()[0]
    assert (view["closed_at"], view["close_reason"]) == (first["closed_at"], "first")
    assert bd.new_events(n) == []


def test_close_unknown_bead_is_refused_and_closes_nothing(bd: BdRunner) -> None:
    new(bd, "t-a")
    assert "no bead 't-nope'" in refused(bd, "close", "t-a", "t-nope", "--json")
    assert get(bd, "t-a")["status"] == "open"


def test_reopen_clears_close_fields(bd: BdRunner) -> None:
    new(bd, "t-a")
    bd("close", "t-a", "-r", "oops")
    n = len(bd.events())
    view = bd("reopen", "t-a", "--actor", "mayor", "--json").json()[0]
    assert view["status"] == "open"
    assert "closed_at" not in view and "close_reason" not in view
    event = only_event(bd, n)
    assert (event["op"], event["bead"], event["actor"]) == ("reopen", "t-a", "mayor")
    assert event["data"] == {"set": {"status": "open"}, "unset": ["closed_at", "close_reason"]}
    assert ids(bd("ready", "--json").json()) == ["t-a"]

    assert "not closed" in refused(bd, "reopen", "t-a", "--json")
    assert "no bead" in refused(bd, "reopen", "t-nope")


# --- delete -----------------------------------------------------------------------------------


def test_delete_hides_the_bead_everywhere(bd: BdRunner) -> None:
    new(bd, "t-keep")
    new(bd, "t-a", "-t", "bug", "-l", "x")
    new(bd, "t-waits", "--deps", "t-a")
    assert "t-waits" not in ids(bd("ready", "--json").json())
    n = len(bd.events())
    out = bd("delete", "t-a", "--reason", "duplicate", "--actor", "mayor", "--json").json()
    assert out == {"deleted": ["t-a"]}
    event = only_event(bd, n)
    assert (event["op"], event["bead"], event["actor"]) == ("delete", "t-a", "mayor")
    assert event["data"] == {
        "set": {"status": "tombstone", "deleted_at": event["ts"], "deleted_by": "mayor",
                "original_type": "bug", "delete_reason": "duplicate"}
    }  # fmt: skip

    assert "deleted" in refused(bd, "show", "t-a", "--json")
    assert ids(bd("list", "--all", "--json").json()) == ["t-keep", "t-waits"]
    assert ids(bd("list", "-l", "x", "--json").json()) == []
    assert ids(bd("ready", "--json").json()) == ["t-keep", "t-waits"]
    assert get(bd, "t-waits")["dependency_count"] == 1
    exported = bd("export", "--all", "-o", "-").stdout_bytes
    assert b'"t-a"' not in exported.replace(b'"depends_on_id":"t-a"', b"")
    assert [line.startswith(b'{"id":"t-') for line in exported.splitlines()] == [True, True]

    assert "deleted" in refused(bd, "delete", "t-a", "--json")


def test_delete_several_and_without_reason(bd: BdRunner) -> None:
    new(bd, "t-a")
    new(bd, "t-b")
    n = len(bd.events())
    assert bd("delete", "t-a", "t-b", "--json").json() == {"deleted": ["t-a", "t-b"]}
    events = bd.new_events(n)
    assert [(e["op"], e["bead"], e["actor"]) for e in events] == [
        ("delete", "t-a", "overseer"),
        ("delete", "t-b", "overseer"),
    ]
    assert "delete_reason" not in events[0]["data"]["set"]
    assert bd("list", "--all", "--json").json() == []


def test_delete_unknown_bead_is_refused_and_deletes_nothing(bd: BdRunner) -> None:
    new(bd, "t-a")
    assert "no bead 't-nope'" in refused(bd, "delete", "t-a", "t-nope", "--json")
    assert get(bd, "t-a")["status"] == "open"


def test_update_close_delete_text_output(bd: BdRunner) -> None:
    new(bd, "t-a")
    assert bd("update", "t-a", "-p", "1").stdout.strip() == "updated t-a"
    assert bd("close", "t-a").stdout.strip() == "closed t-a"
    assert bd("reopen", "t-a").stdout.strip() == "reopened t-a"
    assert bd("delete", "t-a").stdout.strip() == "deleted t-a"
