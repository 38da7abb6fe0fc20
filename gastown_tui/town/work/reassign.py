"""Reassigning an escalated bead to another polecat: the control room's R key and
`gt escalate reassign`. A triage decision built on sling, so it lives above `comms`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.escalation_rules import NEEDS_HUMAN
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.comms.escalation_triage import event_about, refuse_resolved
from gastown_tui.town.comms.escalations import (
    is_acknowledged,
    require_escalation,
    stored_escalation,
)
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.sling import SlingResult, sling

REASSIGN_FORMULA = "mol-polecat-work"


@dataclass(frozen=True)
class Reassignment:
    """What `reassign_escalation` did: the escalation as it is now, and the sling of its issue."""

    escalation: rec.Record
    sling: SlingResult


def reassign_escalation(town: Town, escalation_id: str, target: str, actor: str) -> Reassignment:
    """Give the escalated bead to another polecat (`<rig>` or `<rig>/<polecat>`).

    The old sling is forced (its session stopped). A bead the supervision chain blocked for a
    human is exactly what this is for: it leaves `blocked`, loses its `gt:needs-human` label and
    its respawn and rework counts. Reassigning is a triage decision, so it also acknowledges the
    escalation when nobody had.
    """
    record = require_escalation(town.store.get(escalation_id), escalation_id)
    refuse_resolved(record, "reassign")
    issue = rec.metadata_of(record).get("issue")
    if not isinstance(issue, str) or not issue:
        raise TownError(f"{escalation_id} is not about a bead (no issue): there is nothing to "
                        "reassign")  # fmt: skip
    work = town.store.get(issue)
    if work is None or rec.is_tombstone(work):
        raise TownError(f"{escalation_id} is about {issue}, which no longer exists")
    previous = work.get("assignee")
    slung = sling(town, issue, target, formula=REASSIGN_FORMULA, variables=_vars_of(work),
                  runtime=None, force=True, actor=actor)  # fmt: skip
    with write_transaction(town.store, actor) as tx:
        current = require_escalation(tx.get(escalation_id), escalation_id)
        ts = tx.stamp()
        changes: dict[str, Any] = {"reassigned_to": slung.agent, "reassigned_at": ts}
        if not is_acknowledged(current):
            changes.update({"acknowledged_by": actor, "acknowledged_at": ts})
        tx.emit(ev.UPDATE, escalation_id, {"set": {"updated_at": ts}, "metadata": changes}, ts)
        bead = tx.get(issue)
        if bead is not None and NEEDS_HUMAN in rec.labels_of(bead):
            tx.emit(ev.LABEL_REMOVE, issue, {"label": NEEDS_HUMAN}, ts)
        if bead is not None and ({"respawns", "reworks", "blocked_reason"}
                                 & set(rec.metadata_of(bead))):  # fmt: skip
            tx.emit(ev.UPDATE, issue, {"metadata": {"respawns": None, "reworks": None,
                                                    "blocked_reason": None}})  # fmt: skip
        tx.emit("reassign", escalation_id, {
            **event_about(current, actor), "to": slung.agent, "from": previous,
        }, ts)  # fmt: skip
    return Reassignment(stored_escalation(town, escalation_id), slung)


def _vars_of(work: rec.Record) -> dict[str, str]:
    """The sling vars the bead carries (a re-sling keeps the worker's behaviour)."""
    found = rec.metadata_of(work).get("vars")
    if not isinstance(found, dict):
        return {}
    return {str(key): str(value) for key, value in found.items()}
