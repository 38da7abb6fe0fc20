"""What the Deacon does to a polecat's session (DESIGN §6): a respawn (a fresh session on the
same identity and bead, after a GUPP restart or a ZOMBIE), or — past the respawn limit — the
bead blocked for a human with a HIGH escalation, never to be slung again until they act.
"""

from __future__ import annotations

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.addresses import polecat_address
from gastown_tui.core.escalation_rules import NEEDS_HUMAN
from gastown_tui.core.hook_queue import on_hook
from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.comms.escalations import create_escalation
from gastown_tui.town.costs.usage_recording import record_claude_session_usage
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.town import Town
from gastown_tui.town.work.work_sessions import (
    StartedSession,
    rig_lock,
    session_alive,
    start_next_locked,
)


def respawn(town: Town, rig: RigSettings, name: str, bead_id: str, reason: str,
            actor: str, *, only_if_dead: bool = False) -> StartedSession | None:  # fmt: skip
    """End the polecat's session (dead or stuck) and start its hooked bead afresh.

    `only_if_dead` (a ZOMBIE): checked again under the rig's lock, since a `gt done` cycle or a
    sling may have started a fresh session after the caller looked; that one is left alone."""
    address = polecat_address(rig.name, name)
    session = polecat_session(rig.prefix, name)
    with rig_lock(town, rig.name):
        if only_if_dead and session_alive(town, session):
            return None
        town.tmux.kill_session(session)
        with write_transaction(town.store, actor) as tx:
            bead = tx.get(bead_id)
            if bead is None or not on_hook(bead) or bead.get("assignee") != address:
                return None  # the work moved on while we looked (done, unslung, re-slung)
            spent = dict(rec.metadata_of(bead))  # as the ended session saw it
            respawns = int(rec.metadata_of(bead).get("respawns") or 0) + 1
            ts = tx.stamp()
            tx.emit(ev.UPDATE, bead_id, {"metadata": {"session": None, "respawns": respawns}}, ts)
            tx.emit("session_end", bead_id, {"session": session, "agent": address,
                                             "bead": bead_id, "reason": reason,
                                             "respawn": respawns})  # fmt: skip
        record_claude_session_usage(town, bead_id, spent, address)  # what the session spent
        return start_next_locked(town, rig, name, actor)


def block_for_human(town: Town, rig: RigSettings, name: str, bead_id: str, reason: str,
                    actor: str) -> str | None:  # fmt: skip
    """Past the respawn limit: the bead is `blocked`, labelled, and escalated HIGH."""
    address = polecat_address(rig.name, name)
    session = polecat_session(rig.prefix, name)
    with rig_lock(town, rig.name):
        town.tmux.kill_session(session)
        with write_transaction(town.store, actor) as tx:
            bead = tx.get(bead_id)
            if bead is None or not on_hook(bead):
                return None
            spent = dict(rec.metadata_of(bead))  # as the ended session saw it
            respawns = int(rec.metadata_of(bead).get("respawns") or 0)
            ts = tx.stamp()
            tx.emit(ev.UPDATE, bead_id, {"set": {"status": "blocked", "updated_at": ts},
                                         "metadata": {"session": None,
                                                      "blocked_reason": reason}}, ts)  # fmt: skip
            if NEEDS_HUMAN not in (bead.get("labels") or []):
                tx.emit(ev.LABEL_ADD, bead_id, {"label": NEEDS_HUMAN})
            tx.emit("session_end", bead_id, {"session": session, "agent": address,
                                             "bead": bead_id, "reason": reason})  # fmt: skip
            problem = (f"{bead_id} failed {respawns} respawns on {address} ({reason}); "
                       "it is blocked until someone decides what to do")  # fmt: skip
            escalation = create_escalation(
                tx, town, "HIGH", problem, bead_id,
                f"{respawns} fresh sessions", agent=address, decision_needed=True,
            )  # fmt: skip
        record_claude_session_usage(town, bead_id, spent, address)  # what the session spent
        return escalation
