"""The `gt` writes that had only command-line tests, driven in-process through the engine
(the functions the control room calls): the events they log, their typed results, refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from engine_town import OVERSEER, new_bead, start_fixed_session

from gastown_tui.town.comms import mail
from gastown_tui.town.comms.escalation_reply import reply_to_escalation
from gastown_tui.town.comms.escalations import escalate
from gastown_tui.town.comms.nudges import nudge
from gastown_tui.town.refinery import merge_requests
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.polecats import add_crew
from gastown_tui.town.work.unsling import unsling


def _events_since(town: Town, count: int) -> list[dict[str, Any]]:
    lines = town.store.paths.events.read_bytes().splitlines()
    return [orjson.loads(line) for line in lines[count:]]


def _event_count(town: Town) -> int:
    return len(town.store.paths.events.read_bytes().splitlines())


def test_mail_send_read_ack_and_archive_log_their_events(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    start = _event_count(town)
    sent = mail.send(town, "demo/witness", "POLECAT_STARTED", {"issue": "de-1"},
                     "demo/polecats/ace", body="on it")  # fmt: skip
    mail.read_message(town, sent["id"], "demo/witness")
    mail.ack_message(town, sent["id"], "demo/witness")
    archived = mail.archive_message(town, sent["id"], "demo/witness")
    events = _events_since(town, start)
    assert [e["op"] for e in events] == ["create", "label_add", "label_add", "update", "close"]
    record = events[0]["data"]["record"]
    assert (record["assignee"], record["sender"], record["description"]) == (
        "demo/witness", "demo/polecats/ace", "on it")  # fmt: skip
    assert [e["data"]["label"] for e in events[1:3]] == ["read", "acked"]
    assert events[3]["data"]["metadata"]["acked_by"] == "demo/witness"
    assert archived["status"] == "closed"
    with pytest.raises(TownError, match="no rig 'web'"):
        mail.send(town, "web/witness", "POLECAT_STARTED", {"issue": "x"}, OVERSEER)


def test_mq_retry_and_reject_move_the_request_and_its_bead(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    bead = new_bead(town, "the work", "demo", status="in_progress", assignee="demo/refinery")
    mr = new_bead(town, "merge the work", "demo", issue_type="merge-request", status="closed",
                  metadata={"rig": "demo", "state": "failed", "source_issue": bead})  # fmt: skip
    start = _event_count(town)
    retried = merge_requests.retry(town, mr, OVERSEER)
    assert retried == {"mr": mr, "state": "queued", "was": "failed"}
    reopen, update = _events_since(town, start)
    assert (reopen["op"], reopen["bead"], reopen["data"]["metadata"]["state"]) == (
        "reopen", mr, "queued")  # fmt: skip
    assert update["data"]["metadata"] == {"mr": mr}
    with pytest.raises(TownError, match="there is nothing to retry"):
        merge_requests.retry(town, mr, OVERSEER)
    rejected = merge_requests.reject(town, mr, "wrong approach", OVERSEER)
    assert rejected == {"mr": mr, "state": "rejected", "bead": bead, "reason": "wrong approach"}
    close, back = _events_since(town, start + 2)
    assert close["data"]["set"]["close_reason"] == "rejected: wrong approach"
    assert (back["bead"], back["data"]["unset"]) == (bead, ["assignee"])
    assert (town.store.get(bead) or {}).get("status") == "open"


def test_unsling_takes_a_queued_bead_off_the_hook(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    agent = "demo/polecats/ace"
    bead = new_bead(town, "queued work", "demo", status="hooked", assignee=agent)
    start = _event_count(town)
    result = unsling(town, bead, OVERSEER)
    assert result == {"bead": bead, "agent": agent, "stopped": [], "next": None}
    [unhook] = _events_since(town, start)
    assert (unhook["op"], unhook["bead"], unhook["data"]["agent"]) == ("unhook", bead, agent)
    assert unhook["data"]["unset"] == ["assignee"]
    with pytest.raises(TownError, match="is not on a hook"):
        unsling(town, bead, OVERSEER)


def test_reply_to_escalation_mails_the_agent_in_one_batch_even_without_a_session(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    asker = "demo/polecats/ace"
    bead = new_bead(town, "pick a database", "demo")
    escalation = escalate(town, "medium", "which database?", asker, issue=bead, tried="docs")
    start = _event_count(town)
    reply = reply_to_escalation(town, escalation["id"], "use sqlite", OVERSEER)
    assert (reply.to, reply.nudged) == (asker, False)  # no session to nudge: the mail waits
    message, answered, replied = _events_since(town, start)
    assert len({e["batch"]["id"] for e in (message, answered, replied)}) == 1
    assert (message["op"], message["bead"]) == ("create", reply.message)
    assert message["data"]["record"]["description"] == "use sqlite"
    assert answered["data"]["metadata"]["replied_by"] == OVERSEER
    assert (replied["op"], replied["data"]["to"]) == ("reply", asker)
    with pytest.raises(TownError, match="a reply needs some text"):
        reply_to_escalation(town, escalation["id"], "  ", OVERSEER)


def test_nudge_types_into_the_session_and_logs_a_nudge_event(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    start_fixed_session(town, "de-ace", "ready")
    start = _event_count(town)
    nudged = nudge(town, "demo/ace", "check\x07 your hook", OVERSEER)
    assert nudged == {"target": "demo/polecats/ace", "session": "de-ace",
                      "sent": "check your hook"}  # fmt: skip
    [event] = _events_since(town, start)
    assert (event["op"], event["bead"]) == ("nudge", "")
    assert event["data"] == {"target": "demo/polecats/ace", "by": OVERSEER,
                             "text": "check your hook", "session": "de-ace"}  # fmt: skip
    with pytest.raises(TownError, match="has no running session"):
        nudge(town, "demo/polecats/bob", "hello", OVERSEER)


def test_add_crew_makes_a_worktree_and_an_agent_bead(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    start = _event_count(town)
    added = add_crew(town, "bob", "demo", OVERSEER)
    assert added == {"crew": "demo/crew/bob", "worktree": str(town.paths.crew("demo", "bob")),
                     "branch": "crew/bob"}  # fmt: skip
    assert (town.paths.crew("demo", "bob") / ".git").exists()
    [created] = _events_since(town, start)
    assert created["op"] == "create"
    assert created["data"]["record"]["issue_type"] == "agent"
    with pytest.raises(TownError, match="already has an agent named 'bob'"):
        add_crew(town, "bob", "demo", OVERSEER)
