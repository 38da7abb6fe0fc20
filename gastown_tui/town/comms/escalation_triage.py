"""Escalation triage (DESIGN §6, §7): acknowledge, resolve, raise — the control room's A, x
and + keys and `gt escalate ack|resolve|raise` — and the daemon's rule that raises what nobody
acknowledged within the stale threshold, at most `max_reescalations` times (manual raises count
too). Each logs its engine event on the escalation bead. Reassigning (R) re-slings, so it lives
in `work.reassign`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.display_text import visible
from gastown_tui.core.escalation_rules import (
    PRIORITY_OF,
    can_raise,
    due_for_raise,
    raised,
)
from gastown_tui.core.timestamps import parse_ts
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.comms.escalations import (
    first_line,
    help_body,
    help_fields,
    is_acknowledged,
    is_resolved,
    list_escalations,
    reescalations_of,
    require_escalation,
    route_of,
    run_route,
    severity_of,
    stored_escalation,
)
from gastown_tui.town.town import Town, TownError


def ack_escalation(
    town: Town, escalation_id: str, actor: str, note: str = ""
) -> tuple[rec.Record, bool]:
    """Acknowledge ("I have seen it"): stops the automatic raising. Returns the escalation and
    whether this call acknowledged it (acknowledging again keeps the first one, logs nothing)."""
    with write_transaction(town.store, actor) as tx:
        record = require_escalation(tx.get(escalation_id), escalation_id)
        if is_acknowledged(record):
            return stored_escalation(town, escalation_id), False
        refuse_resolved(record, "acknowledge")
        ts = tx.stamp()
        tx.emit(ev.UPDATE, escalation_id, {
            "set": {"updated_at": ts},
            "metadata": {"acknowledged_by": actor, "acknowledged_at": ts, "ack_note": note},
        }, ts)  # fmt: skip
        tx.emit("ack", escalation_id, {**event_about(record, actor), "note": note}, ts)
    return stored_escalation(town, escalation_id), True


def resolve_escalation(town: Town, escalation_id: str, actor: str, reason: str) -> rec.Record:
    """Close the escalation with the decision as its close reason."""
    if not reason.strip():
        raise TownError("resolving an escalation needs a reason (the decision taken)")
    with write_transaction(town.store, actor) as tx:
        record = require_escalation(tx.get(escalation_id), escalation_id)
        refuse_resolved(record, "resolve")
        ts = tx.stamp()
        tx.emit(ev.CLOSE, escalation_id, {
            "set": {"status": rec.CLOSED, "closed_at": ts, "close_reason": reason,
                    "updated_at": ts},
            "metadata": {"resolved_by": actor},
        }, ts)  # fmt: skip
        tx.emit("resolve", escalation_id, {**event_about(record, actor), "reason": reason}, ts)
    return stored_escalation(town, escalation_id)


def raise_escalation(
    town: Town, escalation_id: str, actor: str, *, automatic: bool = False
) -> rec.Record:
    """One severity up, its priority with it, routed again for the new severity (no new bead).

    By hand (`+`, `gt escalate raise`) anything below CRITICAL may be raised. `automatic` (the
    daemon) re-checks the stale rule inside the lock and does nothing when it no longer holds,
    so an acknowledgement that lands between the daemon's look and its raise wins.
    """
    with write_transaction(town.store, actor) as tx:
        record = require_escalation(tx.get(escalation_id), escalation_id)
        if automatic and not _due(town, record, town.clock.now()):
            return record  # acknowledged, resolved or raised since the daemon looked
        refuse_resolved(record, "raise")
        severity = severity_of(record)
        if not can_raise(severity):
            raise TownError(f"{escalation_id} is already {severity}, the highest severity; "
                            "there is nothing to raise it to")  # fmt: skip
        higher = raised(severity)
        metadata = rec.metadata_of(record)
        count = reescalations_of(record) + 1
        route = route_of(town, higher)
        ts = tx.stamp()
        tx.emit(ev.UPDATE, escalation_id, {
            "set": {"priority": PRIORITY_OF[higher], "updated_at": ts},
            "metadata": {"severity": higher, "reescalations": count, "raised_at": ts,
                         "raised_by": actor,
                         "original_severity": metadata.get("original_severity") or severity},
        }, ts)  # fmt: skip
        tx.emit("raise", escalation_id, {
            **event_about(record, actor), "severity": higher, "from": severity,
            "reescalations": count, "automatic": automatic, "route": list(route),
        }, ts)  # fmt: skip
        agent, issue, problem, tried = _help_of(record)
        why = "unacknowledged too long" if automatic else f"raised by {actor}"
        run_route(tx, town, route, help_fields(escalation_id, higher, agent, issue, problem, tried),
                  issue=issue, ts=ts, log_text=f"raised from {severity}: {problem}",
                  subject=f"HELP [{higher}] (was {severity}, {why}): {first_line(problem)}",
                  body=help_body(escalation_id, higher, problem, tried,
                                 str(metadata.get("details") or "")))  # fmt: skip
    return stored_escalation(town, escalation_id)


def raise_started_at(record: rec.Record) -> datetime | None:
    """When the stale clock of an escalation started: its last raise, else its creation."""
    metadata = rec.metadata_of(record)
    for value in (metadata.get("raised_at"), record.get("created_at")):
        if isinstance(value, str) and (moment := parse_ts(value)) is not None:
            return moment
    return None


def due_escalations(town: Town, now: datetime | None = None) -> list[rec.Record]:
    """Open escalations the stale rule says to raise now (by the town's clock and profile)."""
    moment = now or town.clock.now()
    return [r for r in list_escalations(town) if _due(town, r, moment)]


def raise_due_escalations(town: Town, actor: str) -> list[dict[str, Any]]:
    """The daemon's step: raise every due escalation; one finding per raise."""
    findings: list[dict[str, Any]] = []
    for record in due_escalations(town):
        before = severity_of(record)
        after = raise_escalation(town, str(record["id"]), actor, automatic=True)
        if severity_of(after) != before:
            count = rec.metadata_of(after).get("reescalations")
            findings.append({"escalation": after["id"], "action": "raised", "from": before,
                             "severity": severity_of(after), "reescalations": count})  # fmt: skip
    return findings


def _due(town: Town, record: rec.Record, now: datetime) -> bool:
    started = raise_started_at(record)
    if started is None or is_resolved(record):
        return False
    thresholds = town.thresholds
    return due_for_raise(severity_of(record), is_acknowledged(record),
                         reescalations_of(record), started, now,
                         thresholds.escalation_stale, thresholds.max_reescalations)  # fmt: skip


def refuse_resolved(record: rec.Record, doing: str) -> None:
    if is_resolved(record):
        reason = record.get("close_reason")
        why = f" ({visible(str(reason))})" if reason else ""
        raise TownError(f"{record['id']} is already resolved{why}: there is nothing to {doing}")


def event_about(record: rec.Record, actor: str) -> dict[str, Any]:
    """The data every triage event carries (DESIGN §4: escalation, severity, by), and its issue."""
    return {"escalation": record["id"], "severity": severity_of(record), "by": actor,
            "issue": rec.metadata_of(record).get("issue")}  # fmt: skip


def _help_of(record: rec.Record) -> tuple[str, str | None, str, str]:
    """(agent, issue, problem, tried) of an escalation, for the HELP mail a raise sends again."""
    metadata = rec.metadata_of(record)
    agent = str(metadata.get("agent") or record.get("created_by") or "unknown")
    issue = metadata.get("issue")
    problem = str(metadata.get("problem") or record.get("title") or "(no description)")
    return (
        agent,
        issue if isinstance(issue, str) and issue else None,
        problem,
        str(metadata.get("tried") or ""),
    )
