"""What the Deacon does about one polecat with hooked work (DESIGN §6), as a pure decision.

Progress = any event by the agent, a new commit in its worktree, or a change of its pane's
activity. No progress for STALLED → nudge (once per stall); for GUPP → restart the session; a
dead session or pane (ZOMBIE) → a fresh session. Restarts and fresh sessions are respawns: the
fourth is refused, and the bead is blocked for a human instead. An agent waiting on its own open
escalation about the bead is waiting for the operator, not stalled.
"""

from __future__ import annotations

from dataclasses import dataclass

from gastown_tui.core.town_settings import Thresholds

OK = "ok"
NUDGE = "nudge"
RESTART = "restart"
FRESH = "fresh"
BLOCK = "block"
START = "start"  # hooked work that has no session at all: GUPP says it must run


@dataclass(frozen=True)
class WorkerView:
    running: bool  # the hooked bead has a session recorded
    session_exists: bool
    pane_dead: bool
    idle_seconds: float  # since the last progress
    respawns: int
    nudged_this_stall: bool
    # It asked the operator (an open escalation it raised about this bead): waiting for the
    # answer is not a stall, so no nudge and no restart while the session lives.
    waiting_on_operator: bool = False


def decide(view: WorkerView, thresholds: Thresholds) -> str:
    if not view.running:
        return START if not view.session_exists or view.pane_dead else OK
    if not view.session_exists or view.pane_dead:
        return BLOCK if view.respawns >= thresholds.max_respawns else FRESH
    if view.waiting_on_operator:
        return OK
    if view.idle_seconds >= thresholds.gupp:
        return BLOCK if view.respawns >= thresholds.max_respawns else RESTART
    if view.idle_seconds >= thresholds.stalled and not view.nudged_this_stall:
        return NUDGE
    return OK


def activity_is_progress(activity: float, previous: float, nudged_at: float | None,
                         echo_window: float = 2.0) -> bool:  # fmt: skip
    """A change of the pane's activity counts as progress unless it is only the echo of our own
    nudge (typed text shows in the pane the moment it is sent)."""
    if activity <= previous:
        return False
    return nudged_at is None or not (nudged_at - 0.5 <= activity <= nudged_at + echo_window)
