"""Escalations (DESIGN §4, §6): a HELP request with a severity, routed up toward the human.

An escalation is an `issue_type=escalation` bead in the town store (id prefix `hq`), priority
from its severity, with metadata severity, source, agent, issue, problem, tried,
decision_needed, acknowledged_by/at, reescalations and original_severity. Raising one also logs
an `escalate` event and runs the severity's route from town.toml `[escalation.routes]`:
`bead` (the escalation bead itself, always written: acknowledging and resolving act on it),
`mail:<mayor|deacon|overseer>` (a HELP message in the escalation's thread) and `log` (one line
in `.runtime/escalations.log`, for whoever tails it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.addresses import AddressError, parse_address
from gastown_tui.core.display_text import visible
from gastown_tui.core.escalation_rules import PRIORITY_OF, EscalationError, check_severity
from gastown_tui.core.ids import TOWN_PREFIX
from gastown_tui.store.beads_store import WriteTransaction
from gastown_tui.town.mail import send_mail
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
) -> str:
    """Raise an escalation inside `tx` (the bead, its event, its route); returns its id.

    The actor of `tx` is the source; `agent` (default: the same) is who needs the help.
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
    for action in route:
        if action.startswith(MAIL_ROUTE):
            send_mail(tx, action.removeprefix(MAIL_ROUTE), "HELP", fields,
                      subject=f"HELP [{severity}]: {_first_line(text)}",
                      body=_help_body(escalation, severity, text, tried),
                      thread=escalation)  # fmt: skip
    if "log" in route:
        # Last, so nothing after it in this function can fail; written under the store's lock,
        # so concurrent escalations never interleave their lines.
        path = escalation_log(town)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(log_line(ts, escalation, severity, tx.actor, issue, text))
    return escalation


def escalate(
    town: Town,
    severity: str,
    text: str,
    actor: str,
    *,
    issue: str | None = None,
    tried: str = "",
) -> rec.Record:
    """`gt escalate create`: everything in one transaction; returns the escalation bead."""
    with town.store.transaction(actor) as tx:
        escalation = create_escalation(tx, town, severity, text, issue, tried)
    record = town.store.get(escalation)
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


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _help_body(escalation: str, severity: str, text: str, tried: str) -> str:
    return f"{text}\n\nTried: {tried or NOTHING_TRIED}\nEscalation: {escalation} ({severity})"
