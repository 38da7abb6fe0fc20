"""A polecat's state, derived from its hook, its tmux pane and its last progress (DESIGN §4, §6).

Not logged every tick: the engine computes it when asked. `working` (a live session on hooked
work), `stalled` (live, but no progress for the STALLED threshold), `zombie` (hooked work whose
session or pane is dead), `waiting` (live, and it asked for help about its current bead: an
open escalation it raised; the operator's move, not a stall), `spawning` (hooked work not started
yet), `resting` (empty hook, no session). A bead waiting in the merge queue never makes its
polecat a zombie.
"""

from __future__ import annotations

from dataclasses import dataclass

WORKING = "working"
STALLED = "stalled"
WAITING = "waiting"
ZOMBIE = "zombie"
SPAWNING = "spawning"
RESTING = "resting"
IDLE_SESSION = "idle"  # a live session with an empty hook (the Idle Polecat Heresy)


@dataclass(frozen=True)
class AgentFacts:
    hooked: int  # beads on the hook
    running: bool  # one of them has a session recorded
    session_exists: bool
    pane_dead: bool
    idle_seconds: float | None  # since the last progress, when known
    asked_for_help: bool = False  # an open escalation it raised about its current bead


def agent_state(facts: AgentFacts, stalled_after: float) -> str:
    if facts.hooked == 0:
        return IDLE_SESSION if facts.session_exists and not facts.pane_dead else RESTING
    if not facts.running:
        return ZOMBIE if facts.session_exists and facts.pane_dead else SPAWNING
    if not facts.session_exists or facts.pane_dead:
        return ZOMBIE
    if facts.asked_for_help:
        return WAITING
    if facts.idle_seconds is not None and facts.idle_seconds >= stalled_after:
        return STALLED
    return WORKING
