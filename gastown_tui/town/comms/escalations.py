"""Escalations (DESIGN §4, §6): a HELP request with a severity, routed up toward the human.

An escalation is an `issue_type=escalation` bead in the town store (id prefix `hq`), priority
from its severity, with metadata severity, source, agent, issue, problem, tried,
decision_needed, acknowledged_by/at, reescalations and original_severity. Raising one also logs
an `escalate` event and runs the severity's route from town.toml `[escalation.routes]`:
`bead` (the escalation bead itself, always written: acknowledging and resolving act on it),
`mail:<mayor|deacon|overseer>` (a HELP message in the escalation's thread) and `log` (one line
in `.runtime/escalations.log`, for whoever tails it).

Triage (the control room's k, R, x and + keys, and `gt escalate ack|reassign|resolve|raise`):
acknowledging stops the automatic raising; resolving closes the bead with the decision;
raising moves it one severity up and runs the new severity's route again; reassigning re-slings
its issue to another polecat. Each logs its engine event (ack, resolve, raise, reassign) on the
escalation bead. The daemon raises what nobody acknowledged within the stale threshold, at most
`max_reescalations` times (manual raises count too).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.addresses import AddressError, parse_address
from gastown_tui.core.display_text import visible
from gastown_tui.core.escalation_rules import (
    PRIORITY_OF,
    EscalationError,
    check_severity,
    severity_or_default,
    triage_key,
)
from gastown_tui.core.ids import TOWN_PREFIX
from gastown_tui.core.timestamps import sort_key
from gastown_tui.store.bead_queries import ListFilter, list_beads
from gastown_tui.store.write_transaction import WriteTransaction, write_transaction
from gastown_tui.town.comms.mail import send_mail
from gastown_tui.town.town import Town, TownError

ESCALATION_TYPE = "escalation"
LOG_FILE = "escalations.log"
MAIL_ROUTE = "mail:"
NO_ISSUE = "none"
NOTHING_TRIED = "nothing yet"


def escalation_log(town: Town) -> Path:
    return town.paths.runtime / LOG_FILE


def route_of(town: Town, severity: str) -> tuple[str, ...]:
    """The actions town.toml routes `severity` to (the built-in route if it names none)."""
    return town.settings.routes[check_severity(severity)]


def help_fields(
    escalation: str, severity: str, agent: str, issue: str | None, problem: str, tried: str
) -> dict[str, str]:
    """The typed fields of the HELP message an escalation mails (DESIGN §4 names the first four)."""
    return {"agent": agent, "issue": issue or NO_ISSUE, "problem": problem,
            "tried": tried or NOTHING_TRIED, "escalation": escalation,
            "severity": severity}  # fmt: skip


def log_line(ts: str, escalation: str, severity: str, by: str, issue: str | None,
             text: str) -> str:  # fmt: skip
    """One line of `.runtime/escalations.log`: untrusted parts made visible, never multi-line."""
    about = f" on {visible(issue)}" if issue else ""
    return f"{ts} {severity} {escalation} by {visible(by)}{about}: {visible(text)}\n"


def create_escalation(
    tx: WriteTransaction,
    town: Town,
    severity: str,
    text: str,
    issue: str | None = None,
    tried: str = "",
    *,
    agent: str | None = None,
    decision_needed: bool = False,
    details: str = "",
    extra_metadata: dict[str, Any] | None = None,
) -> str:
    """Raise an escalation inside `tx` (the bead, its event, its route); returns its id.

    The actor of `tx` is the source; `agent` (default: the same) is who needs the help.
    `details` (a failing output, say) goes into the HELP mail's body and `metadata.details`;
    `extra_metadata` lets the engine mark what the escalation stands for (a paused queue).
    Refuses (TownError) a bad severity, an empty text or an `issue` that is not a bead.
    """
    try:
        severity = check_severity(severity)
    except EscalationError as error:
        raise TownError(str(error)) from error
    if not text.strip():
        raise TownError("an escalation needs a description of the problem")
    target = tx.get(issue) if issue else None
    if issue and (target is None or rec.is_tombstone(target)):
        raise TownError(f"no bead {issue!r} to escalate about")
    agent = agent or tx.actor
    escalation = tx.new_id(f"escalation|{severity}|{text}|{agent}|{issue}", prefix=TOWN_PREFIX)
    ts = tx.stamp()
    metadata: dict[str, Any] = {
        "severity": severity, "original_severity": severity, "source": tx.actor,
        "agent": agent, "issue": issue, "problem": text, "tried": tried,
        "decision_needed": decision_needed, "acknowledged_by": None, "acknowledged_at": None,
        "reescalations": 0,
    }  # fmt: skip
    rig = _rig_of(town, target, agent)
    if rig:
        metadata["rig"] = rig
    if details:
        metadata["details"] = details
    metadata.update(extra_metadata or {})
    record = {
        "id": escalation, "title": text, "status": "open", "priority": PRIORITY_OF[severity],
        "issue_type": ESCALATION_TYPE, "created_at": ts, "created_by": tx.actor,
        "updated_at": ts, "metadata": metadata,
    }  # fmt: skip
    tx.emit(ev.CREATE, escalation, {"record": record}, ts)
    route = town.settings.routes[severity]
    # On the work bead when there is one, so its history (prime's seance) shows the escalation.
    tx.emit("escalate", issue or escalation, {
        "escalation": escalation, "severity": severity, "by": tx.actor, "issue": issue,
        "route": list(route),
    })  # fmt: skip
    fields = help_fields(escalation, severity, agent, issue, text, tried)
    run_route(tx, town, route, fields, issue=issue, ts=ts, log_text=text,
              subject=f"HELP [{severity}]: {first_line(text)}",
              body=help_body(escalation, severity, text, tried, details))  # fmt: skip
    return escalation


def run_route(
    tx: WriteTransaction,
    town: Town,
    route: tuple[str, ...],
    fields: dict[str, str],
    *,
    issue: str | None,
    ts: str,
    log_text: str,
    subject: str,
    body: str,
) -> None:
    """The mail and log actions of `route` for the escalation `fields` describe (the bead itself
    is the caller's). Call it last in the transaction: the log line cannot be taken back."""
    for action in route:
        if action.startswith(MAIL_ROUTE):
            send_mail(tx, action.removeprefix(MAIL_ROUTE), "HELP", fields, subject=subject,
                      body=body, thread=fields["escalation"])  # fmt: skip
    if "log" in route:
        # Written under the store's lock, so concurrent escalations never interleave lines.
        path = escalation_log(town)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(log_line(ts, fields["escalation"], fields["severity"], tx.actor, issue,
                               log_text))  # fmt: skip


def escalate(
    town: Town,
    severity: str,
    text: str,
    actor: str,
    *,
    issue: str | None = None,
    tried: str = "",
) -> rec.Record:
    """`gt escalate create`: everything in one transaction; returns the escalation bead.

    An agent that asks again about the same issue while its earlier escalation is still open
    and unanswered (a restarted session does) gets that one back: one question, one card for
    the operator. Asking after a reply is a new question."""
    with write_transaction(town.store, actor) as tx:
        earlier = open_escalation_by(tx.connection, actor, issue) if issue else None
        if earlier is not None:
            return earlier
        escalation = create_escalation(tx, town, severity, text, issue, tried)
    return stored_escalation(town, escalation)


def open_questions(connection: sqlite3.Connection) -> set[tuple[str, str]]:
    """(agent, issue) of every open, unanswered escalation raised about an issue: who waits
    for the operator on what (one read for a whole patrol or status)."""
    wanted = ListFilter(types=[ESCALATION_TYPE], include_closed=False)
    return {(str(m.get("agent")), str(m.get("issue")))
            for m in (rec.metadata_of(r) for r in list_beads(connection, wanted))
            if m.get("agent") and m.get("issue") and not m.get("replied_at")}  # fmt: skip


def open_escalation_by(connection: sqlite3.Connection, agent: str, issue: str) -> rec.Record | None:
    """The open, unanswered escalation `agent` raised about `issue`, if any (the newest)."""
    wanted = ListFilter(types=[ESCALATION_TYPE], include_closed=False)
    mine = [r for r in list_beads(connection, wanted)
            if rec.metadata_of(r).get("agent") == agent
            and rec.metadata_of(r).get("issue") == issue
            and not rec.metadata_of(r).get("replied_at")]  # fmt: skip
    return max(mine, key=lambda r: str(r.get("created_at") or ""), default=None)


# Triage (DESIGN §7: k ack, R reassign, x resolve, + raise): the control room and `gt escalate`
# call these; the daemon calls `raise_due_escalations` every patrol.


def require_escalation(record: rec.Record | None, escalation_id: str) -> rec.Record:
    """`record` if it is a live escalation, else TownError (missing, deleted, another type)."""
    if record is None or rec.is_tombstone(record):
        raise TownError(f"no escalation {escalation_id!r}")
    if rec.type_of(record) != ESCALATION_TYPE:
        raise TownError(f"{escalation_id} is a {rec.type_of(record)}, not an escalation")
    return record


def severity_of(record: rec.Record) -> str:
    return severity_or_default(rec.metadata_of(record).get("severity"), record.get("priority"))


def is_acknowledged(record: rec.Record) -> bool:
    return bool(rec.metadata_of(record).get("acknowledged_by"))


def reescalations_of(record: rec.Record) -> int:
    """How many times it was raised (a hand-edited value that is not a count reads as 0)."""
    value = rec.metadata_of(record).get("reescalations")
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


def is_resolved(record: rec.Record) -> bool:
    return rec.status_of(record) == rec.CLOSED


def triage_order(records: list[rec.Record]) -> list[rec.Record]:
    """Open first, unacknowledged first, then by severity (CRITICAL first), then oldest."""
    return sorted(records, key=lambda r: triage_key(
        is_resolved(r), is_acknowledged(r), severity_of(r), sort_key(r.get("created_at")) or "",
        str(r["id"])))  # fmt: skip


def list_escalations(
    town: Town,
    *,
    include_resolved: bool = False,
    severity: str | None = None,
    unacked_only: bool = False,
) -> list[rec.Record]:
    """The escalations to triage, in triage order (`severity` must already be checked)."""
    wanted = ListFilter(types=[ESCALATION_TYPE], include_closed=include_resolved)
    found = [r for r in list_beads(town.store.connection, wanted)
             if (severity is None or severity_of(r) == severity)
             and not (unacked_only and is_acknowledged(r))]  # fmt: skip
    return triage_order(found)


def get_escalation(town: Town, escalation_id: str) -> rec.Record:
    return require_escalation(town.store.get(escalation_id), escalation_id)


def stored_escalation(town: Town, bead_id: str) -> rec.Record:
    record = town.store.get(bead_id)
    assert record is not None  # written just now by this process
    return record


def _rig_of(town: Town, target: rec.Record | None, agent: str) -> str | None:
    """The rig an escalation belongs to: its issue's, else its agent's (None for town-wide)."""
    if target is not None:
        rig = town.rig_of(target)
        if rig is not None:
            return rig.name
    try:
        named = parse_address(agent).rig
    except AddressError:
        return None
    return named if named in town.rigs() else None


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def help_body(escalation: str, severity: str, text: str, tried: str, details: str = "") -> str:
    body = f"{text}\n\nTried: {tried or NOTHING_TRIED}\nEscalation: {escalation} ({severity})"
    return f"{body}\n\n{details}" if details else body
