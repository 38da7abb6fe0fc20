"""Escalations (DESIGN §4, §6): severities, the priority each maps to, routes, raising."""

from __future__ import annotations

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
