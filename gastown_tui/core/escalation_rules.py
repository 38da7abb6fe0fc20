"""Escalations (DESIGN §4, §6): severities, the priority each maps to, routes, raising."""

from __future__ import annotations

from datetime import datetime

SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
PRIORITY_OF = {"CRITICAL": 0, "HIGH": 1, "MEDIUM": 2, "LOW": 3}
DEFAULT_ROUTES: dict[str, tuple[str, ...]] = {
    "LOW": ("bead",),
    "MEDIUM": ("bead", "mail:mayor"),
    "HIGH": ("bead", "mail:mayor", "mail:overseer"),
    "CRITICAL": ("bead", "mail:mayor", "mail:overseer", "log"),
}
ROUTE_ACTIONS = ("bead", "log", "mail:mayor", "mail:deacon", "mail:overseer")


class EscalationError(ValueError):
    """A bad severity or route, with the reason."""


def check_severity(text: str) -> str:
    severity = text.strip().upper()
    if severity not in SEVERITIES:
        raise EscalationError(f"severity {text!r} must be one of {', '.join(SEVERITIES)}")
    return severity


def raised(severity: str) -> str:
    """One severity up (CRITICAL stays CRITICAL)."""
    index = SEVERITIES.index(severity)
    return SEVERITIES[min(index + 1, len(SEVERITIES) - 1)]


def check_route(severity: str, actions: list[str]) -> tuple[str, ...]:
    for action in actions:
        if action not in ROUTE_ACTIONS:
            raise EscalationError(
                f"escalation route for {severity}: unknown action {action!r} "
                f"(known: {', '.join(ROUTE_ACTIONS)})"
            )
    return tuple(actions)


# The label a bead gets when the supervision chain gives up on it (past the respawn limit): it is
# `blocked` until an operator acts, typically by reassigning it from the escalation.
NEEDS_HUMAN = "gt:needs-human"


def severity_or_default(value: object, priority: object = None) -> str:
    """The severity a stored escalation declares; from its priority (or MEDIUM) when it has none.

    Imported or hand-written escalation beads may lack a usable `metadata.severity`.
    """
    if isinstance(value, str) and value.strip().upper() in SEVERITIES:
        return value.strip().upper()
    for severity, number in PRIORITY_OF.items():
        if priority == number:
            return severity
    return "MEDIUM"


def can_raise(severity: str) -> bool:
    return check_severity(severity) != SEVERITIES[-1]


def due_for_raise(
    severity: str,
    acknowledged: bool,
    reescalations: int,
    last_raised_at_or_created: datetime,
    now: datetime,
    stale_seconds: float,
    max_reescalations: int,
) -> bool:
    """The daemon's rule (DESIGN §6): raise an escalation nobody acknowledged within the stale
    threshold (counted from its creation or its last raise), at most `max_reescalations` times,
    and never past CRITICAL."""
    if acknowledged or not can_raise(severity) or reescalations >= max_reescalations:
        return False
    return (now - last_raised_at_or_created).total_seconds() >= stale_seconds


def triage_key(
    resolved: bool, acknowledged: bool, severity: str, created_at: str, bead_id: str
) -> tuple[bool, bool, int, str, str]:
    """Sort key of the triage list: open before resolved, unacknowledged before acknowledged,
    then the most severe, then the oldest (`created_at` in one timestamp form), then the id."""
    return (resolved, acknowledged, PRIORITY_OF[severity], created_at, bead_id)
