"""The Deacon patrol (DESIGN §6): every polecat with hooked work, every tick.

STALLED → a nudge; GUPP → a restarted session; ZOMBIE → a fresh session; past the respawn
limit → the bead blocked for a human. Hooked work with no session at all is started (GUPP).
Unacknowledged escalations are raised after the stale threshold, at most twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gastown_tui.core import record as rec
from gastown_tui.core import supervision as sv
from gastown_tui.town.agents import agents, last_event_by_actor
from gastown_tui.town.comms.escalation_triage import raise_due_escalations
from gastown_tui.town.comms.escalations import open_questions
from gastown_tui.town.comms.nudges import nudge
from gastown_tui.town.hooks import hook_queue, running_bead
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.supervision.patrol_tick import PatrolTick
from gastown_tui.town.supervision.progress_tracker import ProgressTracker
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.respawn import block_for_human, respawn
from gastown_tui.town.work.work_sessions import session_alive, start_next

ACTOR = "deacon"


def deacon_patrol(town: Town, tracker: ProgressTracker, tick: PatrolTick) -> list[dict[str, Any]]:
    thresholds = town.thresholds
    findings: list[dict[str, Any]] = []
    last_events = last_event_by_actor(town)  # one scan of the feed window per pass
    questions = open_questions(town.store.connection)  # who waits for the operator's answer
    for record in agents(town, role="polecat"):
        metadata = rec.metadata_of(record)
        rig = town.rigs().get(str(metadata.get("rig")))
        if rig is None:
            continue
        name, address = str(metadata.get("name")), str(metadata.get("address"))
        queue = hook_queue(town.store.connection, address)
        if not queue:
            tracker.forget(address)
            continue
        session = polecat_session(rig.prefix, name)
        pane = tick.sessions.get(session)
        current = running_bead(queue)
        if current is None:
            view = sv.WorkerView(False, pane is not None, bool(pane and pane.dead), 0, 0, False)
            if sv.decide(view, thresholds) == sv.START:
                started = start_next(town, rig, name, ACTOR)
                if started is not None:
                    findings.append(
                        {
                            "agent": address,
                            "bead": started.bead,
                            "state": "hooked, not running",
                            "action": "started",
                        }
                    )
            continue
        bead_meta = rec.metadata_of(current)
        progress = tracker.observe(
            address, current["id"], str(bead_meta.get("started_at", "")),
            last_events.get(address, ""), Path(str(bead_meta.get("worktree") or "")),
            float(pane.activity) if pane else 0.0, tick.now,
        )  # fmt: skip
        idle = tick.now - progress.progress_at
        asked = (address, str(current["id"])) in questions
        view = sv.WorkerView(True, pane is not None, bool(pane and pane.dead), idle,
                             int(bead_meta.get("respawns") or 0),
                             progress.nudged_at is not None, asked)  # fmt: skip
        action = sv.decide(view, thresholds)
        if action == sv.OK:
            continue
        finding: dict[str, Any] = {"agent": address, "bead": current["id"], "action": action,
                                   "idle_seconds": round(idle, 1)}  # fmt: skip
        if action == sv.NUDGE:
            finding["state"] = "STALLED"
            text = (
                f"Deacon: no progress on {current['id']} for {int(idle)}s. Run gt prime, "
                "then carry on with your current step, or escalate if you are stuck."
            )
            try:
                nudge(town, address, text, ACTOR)
            except TownError as error:
                finding["error"] = str(error)
            progress.nudged_at = tick.now
        elif action in (sv.RESTART, sv.FRESH):
            finding["state"] = "GUPP" if action == sv.RESTART else "ZOMBIE"
            if action == sv.FRESH and session_alive(town, session):
                continue  # started since this tick read tmux: not a zombie after all
            reason = (f"gupp: no progress for {int(idle)}s" if action == sv.RESTART
                      else "zombie: the session is dead")  # fmt: skip
            started = respawn(town, rig, name, current["id"], reason, ACTOR,
                              only_if_dead=action == sv.FRESH)  # fmt: skip
            if started is None and action == sv.FRESH and session_alive(town, session):
                continue  # a fresh session came up while we waited for the rig's lock
            finding["respawn"] = int(bead_meta.get("respawns") or 0) + 1
            finding["session"] = started.session if started else None
            tracker.forget(address)
        elif action == sv.BLOCK:
            finding["state"] = "ZOMBIE" if not pane or pane.dead else "GUPP"
            finding["escalation"] = block_for_human(
                town, rig, name, current["id"],
                f"respawn limit: {thresholds.max_respawns} respawns did not help", ACTOR,
            )  # fmt: skip
            tracker.forget(address)
        findings.append(finding)
    findings += _raise_stale_escalations(town, tick)
    return findings


def _raise_stale_escalations(town: Town, tick: PatrolTick) -> list[dict[str, Any]]:
    del tick  # the rule reads the town's clock
    return raise_due_escalations(town, ACTOR)
