"""The convoy patrol (a daemon patrol, DESIGN §6): keeps every open convoy moving.

For each open convoy, every tick:
- all members closed → the convoy lands (closed, and its `notify` address mailed);
- in each rig where the convoy has ready members and none working or merging (a member just
  closed, or nothing was slung yet), the next ready member (priority, then age) is slung to
  that rig: the sling picks the polecat (routing by CV), spawning one if none is idle. With
  the town's `auto_dispatch` on, the dispatch patrol already hands out every ready bead where
  there is idle capacity, so this patrol leaves feeding to it (two patrols slinging the same
  bead at once would race);
- a convoy left with ready work and nobody on it (feeding failed or was impossible: no rig, a
  runtime that cannot start) is marked stranded; the mark clears once work moves again.

A convoy whose members are all hooked or merging needs nothing and costs one read.
"""

from __future__ import annotations

from typing import Any

from gastown_tui.core import record as rec
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.convoys.convoy_changes import land_convoy, mark_stranded
from gastown_tui.town.convoys.convoys import (
    IN_FLIGHT,
    ConvoyStatus,
    convoy_ids,
    convoy_status,
    ready_ids,
)
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.sling import sling

ACTOR = "deacon"
FORMULA = "mol-polecat-work"


def convoy_patrol(town: Town, tick: object = None) -> list[dict[str, Any]]:
    """One pass over the open convoys; returns the findings (what it did or could not do)."""
    del tick  # the convoys need no tmux: the sling reads what it needs itself
    findings: list[dict[str, Any]] = []
    for convoy_id in convoy_ids(town.store.connection, include_landed=False):
        findings += _one_convoy(town, convoy_id)
    return findings


def _one_convoy(town: Town, convoy_id: str) -> list[dict[str, Any]]:
    status = convoy_status(town, convoy_id)
    if status.complete:
        landed = land_convoy(town, convoy_id, actor=ACTOR)
        if not landed.landed:
            return []
        return [{"convoy": convoy_id, "action": "landed", "members": status.total,
                 "notified": landed.notified}]  # fmt: skip
    findings = [] if town.settings.auto_dispatch else _feed(town, status)
    if findings:
        town.store.projection.catch_up()
        status = convoy_status(town, convoy_id, ready_ids(town))
    if status.stranded != status.stranded_mark:
        with write_transaction(town.store, ACTOR) as tx:
            current = tx.get(convoy_id)
            if current is not None and rec.status_of(current) != rec.CLOSED:
                mark_stranded(tx, convoy_id, status.stranded)
        waiting = [member.id for member in status.in_state("ready")]
        findings.append({"convoy": convoy_id, "action": "stranded" if status.stranded
                         else "moving again", "ready": waiting[:10]})  # fmt: skip
    return findings


def _feed(town: Town, status: ConvoyStatus) -> list[dict[str, Any]]:
    """Sling the next ready member to each rig of the convoy that has nothing of it in flight."""
    findings: list[dict[str, Any]] = []
    for rig, members in status.by_rig().items():
        if rig == "-" or any(member.state in IN_FLIGHT for member in members):
            continue
        waiting = sorted((m for m in members if m.state == "ready" and _dispatchable(town, m.id)),
                         key=lambda m: (m.priority, status.members.index(m)))  # fmt: skip
        if not waiting:
            continue
        bead = waiting[0].id
        finding: dict[str, Any] = {"convoy": status.id, "rig": rig, "bead": bead}
        try:
            result = sling(town, bead, rig, formula=FORMULA, variables={}, runtime=None,
                           force=False, actor=ACTOR)  # fmt: skip
            finding.update({"action": "fed", "agent": result.agent})
        except TownError as error:
            finding.update({"action": "feed failed", "error": str(error)})
        findings.append(finding)
    return findings


def _dispatchable(town: Town, bead_id: str) -> bool:
    """An epic is tracked for its progress, never slung: its children are the work."""
    record = town.store.get(bead_id)
    return record is not None and rec.type_of(record) != "epic"
