"""Mail schema, escalation rules and routes, and the pure parts of mail, nudges and escalations.

The escalation engine is also driven here inside a caller's own transaction (as the daemon and
`gt done` use it), against a real store in tmp_path with a fixed clock.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from gastown_tui.cli.command_context import CommandError
from gastown_tui.cli.gt_mail_commands import parse_fields
from gastown_tui.core.clock import FixedClock
from gastown_tui.core.escalation_rules import (
    DEFAULT_ROUTES,
    PRIORITY_OF,
    SEVERITIES,
    EscalationError,
    check_severity,
    raised,
)
from gastown_tui.core.mail_schema import REQUIRED_FIELDS, MailError, validate_message
from gastown_tui.core.town_settings import SettingsError, parse_town_settings, town_toml_text
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.comms.escalations import create_escalation, help_fields, log_line
from gastown_tui.town.comms.mail import inbox_order, thread_order
from gastown_tui.town.comms.nudges import PaneView, arrived, nudge_target
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.town_paths import TownPaths

# A valid value for every field any message type requires.
VALID = {"issue": "dm-1", "exit": "MERGED", "branch": "polecat/nux/dm-1", "mr": "dm-mr-1",
         "verified": "yes", "merge_commit": "abc123", "failure_type": "tests", "error": "boom",
         "reason": "conflict", "instructions": "rebase", "agent": "demo/polecats/nux",
         "problem": "stuck", "tried": "retrying", "context": "c", "status": "s", "next": "n",
         "rig": "demo", "polecat": "nux", "cleanup_status": "has_stash", "action": "cycle",
         "target": "demo/polecats/nux", "conflict_files": "a.py"}  # fmt: skip


def complete(message_type: str) -> dict[str, str]:
    fields = {name: VALID[name] for name in REQUIRED_FIELDS[message_type]}
    if message_type == "REWORK_REQUEST":
        fields["conflict_files"] = VALID["conflict_files"]
    return fields


@pytest.mark.parametrize("message_type", sorted(REQUIRED_FIELDS))
def test_every_type_accepts_its_fields_and_refuses_each_missing_one(message_type: str) -> None:
    validate_message(message_type, complete(message_type))
    for name in REQUIRED_FIELDS[message_type]:
        for missing in ({k: v for k, v in complete(message_type).items() if k != name},
                        {**complete(message_type), name: "  "}):  # fmt: skip
            with pytest.raises(MailError, match=name):
                validate_message(message_type, missing)


def test_unknown_types_and_values_outside_an_enum_are_refused() -> None:
    with pytest.raises(MailError, match="unknown message type 'NOPE'"):
        validate_message("NOPE", {})
    with pytest.raises(MailError, match="exit"):
        validate_message("POLECAT_DONE", {**complete("POLECAT_DONE"), "exit": "DONE"})
    with pytest.raises(MailError, match="failure_type"):
        validate_message("MERGE_FAILED", {**complete("MERGE_FAILED"), "failure_type": "flaky"})
    rework = {k: v for k, v in complete("REWORK_REQUEST").items() if k != "conflict_files"}
    with pytest.raises(MailError, match="conflict_files or gate"):
        validate_message("REWORK_REQUEST", rework)
    validate_message("REWORK_REQUEST", {**rework, "gate": "test"})


def test_severities_priorities_and_raising() -> None:
    assert [check_severity(s.lower()) for s in SEVERITIES] == list(SEVERITIES)
    assert [PRIORITY_OF[s] for s in SEVERITIES] == [3, 2, 1, 0]
    assert [raised(s) for s in SEVERITIES] == ["MEDIUM", "HIGH", "CRITICAL", "CRITICAL"]
    with pytest.raises(EscalationError, match="must be one of LOW, MEDIUM, HIGH, CRITICAL"):
        check_severity("URGENT")


def test_town_toml_routes_override_the_defaults_and_are_checked() -> None:
    base = town_toml_text("t").replace('LOW = ["bead"]', 'LOW = ["bead", "mail:deacon", "log"]')
    settings = parse_town_settings(base)
    assert settings.routes["LOW"] == ("bead", "mail:deacon", "log")
    assert settings.routes["HIGH"] == DEFAULT_ROUTES["HIGH"]
    with pytest.raises(SettingsError, match="unknown action 'mail:nobody'"):
        parse_town_settings(base.replace('"mail:deacon"', '"mail:nobody"'))
    with pytest.raises(SettingsError, match="URGENT"):
        parse_town_settings(base + 'URGENT = ["bead"]\n')


def test_field_options_parse_and_malformed_ones_are_usage_errors() -> None:
    assert parse_fields(["a=1", "b=x=y", "a=2", "c="]) == {"a": "2", "b": "x=y", "c": ""}
    for bad in ("novalue", "=v"):
        with pytest.raises(CommandError) as caught:
            parse_fields([bad])
        assert caught.value.code == 2


def test_inbox_puts_unread_first_then_newest_and_threads_read_oldest_first() -> None:
    def message(bead_id: str, at: str, *labels: str, status: str = "open") -> dict[str, object]:
        return {"id": bead_id, "created_at": at, "labels": list(labels), "status": status}

    old_unread = message("hq-a", "2026-01-01T00:00:01Z")
    new_read = message("hq-b", "2026-01-01T00:00:03Z", "read")
    new_unread = message("hq-c", "2026-01-01T00:00:02Z")
    archived = message("hq-d", "2026-01-01T00:00:04Z", status="closed")
    ordered = inbox_order([old_unread, new_read, archived, new_unread])
    assert [m["id"] for m in ordered] == ["hq-c", "hq-a", "hq-d", "hq-b"]
    assert [m["id"] for m in thread_order(ordered)] == ["hq-a", "hq-c", "hq-b", "hq-d"]


def test_nudge_targets_are_canonical_addresses() -> None:
    assert nudge_target("demo/nux") == "demo/polecats/nux"
    assert nudge_target("demo/polecats/nux/") == "demo/polecats/nux"
    assert nudge_target("mayor") == "mayor"
    with pytest.raises(TownError, match="not an address"):
        nudge_target("demo/nux/extra/parts")
    with pytest.raises(TownError):
        nudge_target("Demo/Nux")


def view(*lines: str, cursor: tuple[int, int], history: int = 0) -> PaneView:
    return PaneView(tuple(lines), history, cursor[0], cursor[1])


def test_typed_text_counts_as_arrived_at_the_cursor_or_as_one_more_copy() -> None:
    before = view("$ ", cursor=(2, 0))
    assert arrived(before, view("$ hello world", cursor=(13, 0)), "hello world")
    assert not arrived(before, view("$ hello wor", cursor=(11, 0)), "hello world")
    # Wrapped by the terminal: whitespace and line breaks do not matter.
    wrapped = view("old", "$ hello wo", "rld", cursor=(3, 1), history=1)
    assert arrived(before, wrapped, "hello world")
    # Drawn away from the cursor (an input box): one more copy than before counts.
    again = view('"hello world"', "> ", cursor=(2, 1))
    boxed = view('"hello world"', "> ", "| hello world |", cursor=(0, 3))
    assert arrived(again, boxed, "hello world")
    assert not arrived(again, again, "hello world")


@pytest.fixture
def small_town(tmp_path: Path) -> Town:
    """A town without git or rigs: town.toml with a custom LOW route, and the town store."""
    root = tmp_path / "town"
    root.mkdir()
    text = town_toml_text("t", "test").replace('LOW = ["bead"]', 'LOW = ["bead", "log"]')
    (root / "town.toml").write_text(text, encoding="utf-8")
    BeadsStore.initialize(root / ".beads", "hq").close()
    return Town(TownPaths(root), clock=FixedClock(), rng=random.Random(7),
                environ={"GT_TMUX_SOCKET": "unused"})  # fmt: skip


def test_an_escalation_is_raised_inside_the_callers_transaction(small_town: Town) -> None:
    store = small_town.store
    with write_transaction(store, "demo/witness") as tx:
        tx.emit("create", "hq-work", {"record": {"id": "hq-work", "title": "w", "status": "open",
                                                 "issue_type": "task"}})  # fmt: skip
        escalation = create_escalation(tx, small_town, "low", "polecat \x1b[2Jstuck\nagain",
                                       "hq-work", "", agent="demo/polecats/nux")  # fmt: skip
    record = store.get(escalation)
    assert record is not None and escalation.startswith("hq-")
    assert record["issue_type"] == "escalation" and record["priority"] == 3
    assert record["metadata"] == {
        "severity": "LOW", "original_severity": "LOW", "source": "demo/witness",
        "agent": "demo/polecats/nux", "issue": "hq-work", "problem": "polecat \x1b[2Jstuck\nagain",
        "tried": "", "decision_needed": False, "acknowledged_by": None, "acknowledged_at": None,
        "reescalations": 0,
    }  # fmt: skip
    lines = store.paths.events.read_bytes().splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["op"] for e in events] == ["create", "create", "escalate"]
    assert len({e["batch"]["id"] for e in events}) == 1  # one batch with the caller's own event
    assert events[2]["bead"] == "hq-work"
    assert events[2]["data"]["escalation"] == escalation
    # The custom LOW route logs one line, with the escapes visible.
    logged = (small_town.paths.runtime / "escalations.log").read_text(encoding="utf-8")
    assert logged.endswith(f"LOW {escalation} by demo/witness on hq-work: "
                           "polecat \\x1b[2Jstuck\\nagain\n")  # fmt: skip
    assert logged.count("\n") == 1


def test_a_refused_escalation_takes_the_whole_transaction_with_it(small_town: Town) -> None:
    store = small_town.store
    for severity, issue, text, reason in (("SEVERE", None, "x", "severity"),
                                          ("HIGH", "hq-none", "x", "no bead 'hq-none'"),
                                          ("HIGH", None, "  ", "description")):  # fmt: skip
        with pytest.raises(TownError, match=reason), write_transaction(store, "mayor") as tx:
            tx.emit("create", "hq-other", {"record": {"id": "hq-other", "title": "o"}})
            create_escalation(tx, small_town, severity, text, issue)
    assert store.paths.events.read_bytes() == b""
    assert store.get("hq-other") is None


def test_help_fields_and_log_lines() -> None:
    assert help_fields("hq-e", "HIGH", "mayor", None, "p", "") == {
        "agent": "mayor", "issue": "none", "problem": "p", "tried": "nothing yet",
        "escalation": "hq-e", "severity": "HIGH",
    }  # fmt: skip
    validate_message("HELP", help_fields("hq-e", "HIGH", "mayor", None, "p", ""))
    assert log_line("T", "hq-e", "CRITICAL", "x\ry", None, "a\nb") == (
        "T CRITICAL hq-e by x\\x0dy: a\\nb\n"
    )
