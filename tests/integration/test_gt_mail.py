"""`gt mail`: typed messages as beads (DESIGN §4), through the real command line.

Every type's required fields are enforced before anything is written; send, inbox, read, ack,
archive and thread print bead objects with `--json` and log their events; hostile text
round-trips byte-exact in JSON and shows escaped in text output.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from town_fixtures import TownRunner

from gastown_tui.core.mail_schema import REQUIRED_FIELDS

VALID = {"issue": "dm-1", "exit": "MERGED", "branch": "polecat/nux/dm-1", "mr": "dm-mr-1",
         "verified": "yes", "merge_commit": "abc123", "failure_type": "tests", "error": "boom",
         "reason": "conflict", "instructions": "rebase", "agent": "demo/polecats/nux",
         "problem": "stuck", "tried": "retrying", "context": "c", "status": "s", "next": "n",
         "rig": "demo", "polecat": "nux", "cleanup_status": "has_stash", "action": "cycle",
         "target": "demo/polecats/nux"}  # fmt: skip
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HOSTILE_SUBJECT = "\x1b[31mred\x1b[0m $(touch x) `id` ; C-c Enter \u2028 [bold]x[/]"
HOSTILE_BODY = "line one\n\x1b]0;pwned\x07\r\nforged line\ttab \x01soh \x7f del"


def field_options(fields: dict[str, str]) -> list[str]:
    return [option for key, value in fields.items() for option in ("--field", f"{key}={value}")]


def complete(message_type: str) -> dict[str, str]:
    fields = {name: VALID[name] for name in REQUIRED_FIELDS[message_type]}
    if message_type == "REWORK_REQUEST":
        fields["conflict_files"] = "a.py"
    return fields


def send(town: TownRunner, to: str, message_type: str, fields: dict[str, str], *extra: str,
         actor: str = "demo/polecats/nux") -> dict[str, Any]:  # fmt: skip
    result = town.gt("mail", "send", to, "--type", message_type, *field_options(fields), *extra,
                     "--json", env={"BD_ACTOR": actor})  # fmt: skip
    return dict(result.json())


def help_fields() -> dict[str, str]:
    return complete("HELP")


@pytest.mark.parametrize("message_type", sorted(REQUIRED_FIELDS))
def test_each_type_needs_its_fields_and_a_refusal_writes_nothing(
    town: TownRunner, message_type: str
) -> None:
    fields = complete(message_type)
    for name in REQUIRED_FIELDS[message_type]:
        before = town.events()
        missing = {k: v for k, v in fields.items() if k != name}
        refused = town.gt("mail", "send", "mayor", "--type", message_type,
                          *field_options(missing), check=False)  # fmt: skip
        assert refused.returncode == 1, refused
        assert name in refused.stderr and refused.stdout == ""
        assert town.events() == before
    sent = send(town, "mayor", message_type, fields)
    assert sent["issue_type"] == "message" and sent["assignee"] == "mayor"
    assert sent["metadata"] == {"msg_type": message_type, **fields}
    assert f"msg-type:{message_type}" in sent["labels"]


def test_bad_types_values_and_recipients_are_refused(rig_town: TownRunner) -> None:
    town = rig_town
    before = town.events()
    cases = [
        (["mayor", "--type", "GOSSIP"], "unknown message type 'GOSSIP'"),
        (["mayor", "--type", "POLECAT_DONE",
          *field_options({**complete("POLECAT_DONE"), "exit": "FINE"})], "exit"),
        (["nowhere/polecats/nux", "--type", "MESSAGE"], "no rig 'nowhere'"),
        (["demo/polecats/Bad Name", "--type", "MESSAGE"], "address"),
        (["the-boss", "--type", "MESSAGE"], "not an address"),
        (["mayor", "--type", "MESSAGE", "--reply-to", "hq-nope"], "no message 'hq-nope'"),
        (["mayor", "--type", "MESSAGE", "--field", "msg_type=X"], "reserved"),
    ]  # fmt: skip
    for args, reason in cases:
        refused = town.gt("mail", "send", *args, check=False)
        assert refused.returncode == 1, (args, refused)
        assert reason in refused.stderr, (args, refused.stderr)
    usage = town.gt("mail", "send", "mayor", "--type", "MESSAGE", "--field", "oops", check=False)
    assert usage.returncode == 2 and "KEY=VALUE" in usage.stderr
    assert town.events() == before


def test_send_inbox_read_ack_archive_with_events(rig_town: TownRunner) -> None:
    town = rig_town
    sender = "demo/polecats/nux"
    first = send(town, "demo/witness", "HELP", help_fields(), "-s", "stuck on tests",
                 "-m", "the body")  # fmt: skip
    assert first["title"] == "stuck on tests" and first["description"] == "the body"
    assert first["sender"] == sender and first["created_by"] == sender
    assert sorted(first["labels"]) == sorted(["gt:message", "msg-type:HELP", f"from:{sender}",
                                              f"thread:{first['id']}"])  # fmt: skip
    (created,) = [e for e in town.events() if e["bead"] == first["id"]]
    assert created["op"] == "create" and created["actor"] == sender
    second = send(town, "demo/witness", "MESSAGE", {}, "-s", "later")

    def inbox(*extra: str) -> list[dict[str, Any]]:
        listed = town.gt("mail", "inbox", "--agent", "demo/witness", "--json", *extra).json()
        assert isinstance(listed, list)
        return listed

    assert [m["id"] for m in inbox()] == [second["id"], first["id"]]  # newest first
    # Without --agent, the inbox is the actor's own.
    own = town.gt("mail", "inbox", "--json", env={"BD_ACTOR": "demo/witness"}).json()
    assert [m["id"] for m in own] == [second["id"], first["id"]]

    count = len(town.events())
    read = town.gt("mail", "read", second["id"], "--json",
                   env={"BD_ACTOR": "demo/witness"}).json()  # fmt: skip
    assert read["id"] == second["id"] and "read" in read["labels"]
    (label,) = town.events()[count:]
    assert (label["op"], label["bead"], label["data"]) == ("label_add", second["id"],
                                                           {"label": "read"})  # fmt: skip
    assert label["actor"] == "demo/witness"
    # Reading again changes nothing; unread mail now comes first.
    town.gt("mail", "read", second["id"])
    assert len(town.events()) == count + 1
    assert [m["id"] for m in inbox()] == [first["id"], second["id"]]

    count = len(town.events())
    acked = town.gt("mail", "ack", first["id"], "--json", env={"BD_ACTOR": "mayor"}).json()
    assert {"acked", "read"} <= set(acked["labels"])
    assert acked["metadata"]["acked_by"] == "mayor" and acked["metadata"]["acked_at"]
    new = town.events()[count:]
    assert [(e["op"], e["data"].get("label")) for e in new] == [
        ("label_add", "acked"), ("label_add", "read"), ("update", None)]  # fmt: skip
    assert new[2]["data"]["metadata"]["acked_by"] == "mayor"
    assert all(e["actor"] == "mayor" and e["bead"] == first["id"] for e in new)

    count = len(town.events())
    archived = town.gt("mail", "archive", first["id"], "--json").json()
    assert archived["status"] == "closed" and archived["close_reason"] == "archived"
    (closed,) = town.events()[count:]
    assert closed["op"] == "close" and closed["bead"] == first["id"]
    assert [m["id"] for m in inbox()] == [second["id"]]
    assert [m["id"] for m in inbox("--all")] == [second["id"], first["id"]]
    town.gt("mail", "archive", first["id"])  # archiving twice is harmless
    assert len(town.events()) == count + 1


def test_replies_join_the_thread_which_reads_oldest_first(rig_town: TownRunner) -> None:
    town = rig_town
    question = send(town, "mayor", "MESSAGE", {}, "-s", "question")
    answer = send(town, "demo/polecats/nux", "MESSAGE", {}, "-s", "answer", "--reply-to",
                  question["id"], actor="mayor")  # fmt: skip
    follow_up = send(town, "mayor", "MESSAGE", {}, "-s", "thanks", "--reply-to", answer["id"])
    unrelated = send(town, "mayor", "MESSAGE", {}, "-s", "other")
    assert f"thread:{question['id']}" in answer["labels"]
    assert f"reply-to:{question['id']}" in answer["labels"]
    assert f"thread:{question['id']}" in follow_up["labels"]
    town.gt("mail", "archive", question["id"])
    for member in (question, answer, follow_up):
        thread = town.gt("mail", "thread", member["id"], "--json").json()
        assert [m["id"] for m in thread] == [question["id"], answer["id"], follow_up["id"]]
    assert [m["id"] for m in town.gt("mail", "thread", unrelated["id"], "--json").json()] == [
        unrelated["id"]]  # fmt: skip
    text = town.gt("mail", "thread", answer["id"]).stdout
    assert text.index("question") < text.index("answer") < text.index("thanks")


def test_ids_that_are_not_messages_are_refused(rig_town: TownRunner) -> None:
    town = rig_town
    task = town.bd("create", "a task", "--json").json()["id"]
    before = town.events()
    for verb in ("read", "ack", "archive", "thread"):
        refused = town.gt("mail", verb, task, check=False)
        assert refused.returncode == 1 and "not a message" in refused.stderr
        missing = town.gt("mail", verb, "hq-zzzz", check=False)
        assert missing.returncode == 1 and "no message 'hq-zzzz'" in missing.stderr
    refused = town.gt("mail", "send", "mayor", "--type", "MESSAGE", "--reply-to", task,
                      check=False)  # fmt: skip
    assert refused.returncode == 1 and "not a message" in refused.stderr
    assert town.events() == before


def test_hostile_subject_and_body_round_trip_and_show_escaped(rig_town: TownRunner) -> None:
    town = rig_town
    sent = send(town, "mayor", "MESSAGE", {"note": HOSTILE_SUBJECT}, "-s", HOSTILE_SUBJECT,
                "-m", HOSTILE_BODY, actor="demo/polecats/nux")  # fmt: skip
    assert repr(sent["title"]) == repr(HOSTILE_SUBJECT)
    assert repr(sent["description"]) == repr(HOSTILE_BODY)
    read = town.gt("mail", "read", sent["id"], "--json").json()
    assert repr(read["title"]) == repr(HOSTILE_SUBJECT)
    assert repr(read["description"]) == repr(HOSTILE_BODY)
    assert repr(read["metadata"]["note"]) == repr(HOSTILE_SUBJECT)
    (inboxed,) = town.gt("mail", "inbox", "--agent", "mayor", "--json").json()
    assert repr(inboxed["title"]) == repr(HOSTILE_SUBJECT)
    for args in (["mail", "read", sent["id"]], ["mail", "inbox", "--agent", "mayor"],
                 ["mail", "thread", sent["id"]]):  # fmt: skip
        shown = town.gt(*args).stdout
        assert not RAW_CONTROL.search(shown), (args, shown)
        assert "\u2028" not in shown
        assert "\\x1b[31mred\\x1b[0m" in shown, (args, shown)
    body_text = town.gt("mail", "read", sent["id"]).stdout
    assert "\\x1b]0;pwned\\x07\\x0d\nforged line\ttab \\x01soh \\x7f del" in body_text
    assert not (town.root / "x").exists()
