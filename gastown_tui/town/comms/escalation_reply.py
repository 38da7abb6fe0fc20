"""Replying to an escalation (the control room's `r`, `gt escalate reply`): the answer goes to
the agent who asked, as a MESSAGE in its mail, and a nudge tells its session to read it.

The mail is the record and always written; the nudge is best effort (an agent whose session is
gone reads its mail at its next `gt prime`), and the result says whether it arrived.
"""

from __future__ import annotations

from dataclasses import dataclass

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.comms.escalation_triage import event_about, refuse_resolved
from gastown_tui.town.comms.escalations import require_escalation, stored_escalation
from gastown_tui.town.comms.mail import check_recipient, send_mail
from gastown_tui.town.comms.nudges import nudge
from gastown_tui.town.town import Town, TownError


@dataclass(frozen=True)
class Reply:
    escalation: rec.Record
    message: str  # the mail's id
    to: str
    nudged: bool
    nudge_problem: str  # why the nudge did not arrive, when it did not


def reply_to_escalation(town: Town, escalation_id: str, text: str, actor: str) -> Reply:
    if not text.strip():
        raise TownError("a reply needs some text")
    record = require_escalation(town.store.get(escalation_id), escalation_id)
    refuse_resolved(record, "reply to")
    agent = str(rec.metadata_of(record).get("agent") or record.get("created_by") or "")
    if not agent:
        raise TownError(f"{escalation_id} names no agent to reply to")
    to = check_recipient(town, agent)
    issue = rec.metadata_of(record).get("issue")
    with write_transaction(town.store, actor) as tx:
        current = require_escalation(tx.get(escalation_id), escalation_id)
        fields = {"escalation": escalation_id, **({"issue": issue} if issue else {})}
        message = send_mail(
            tx, to, "MESSAGE", fields, subject=f"Re: {current.get('title', '')}", body=text
        )
        ts = tx.stamp()
        # Answered: the agent is no longer waiting on it (it stays open until resolved).
        tx.emit(ev.UPDATE, escalation_id,
                {"metadata": {"replied_at": ts, "replied_by": actor}}, ts)  # fmt: skip
        tx.emit(
            "reply",
            escalation_id,
            {**event_about(current, actor), "to": to, "message": message, "text": text},
        )
    try:
        nudge(
            town,
            to,
            f"Reply from {actor} to {escalation_id} (in your mail, {message}): {text}",
            actor,
        )
    except TownError as error:
        return Reply(stored_escalation(town, escalation_id), message, to, False, str(error))
    return Reply(stored_escalation(town, escalation_id), message, to, True, "")
