"""Which fields, statuses and types a filter may name, so a misspelling is refused instead of
quietly matching nothing (`bd list --status opne`, `bd query 'priorty <= 1'`).

Statuses and types are open in beads (custom ones exist, imports keep unknown ones), so the valid
values are the built-in ones plus those the store already holds; fields are the record keys bd
knows, the keys computed for output, the query aliases and any key a stored record carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from gastown_tui.core.query import And, Compare, Expr, InList, Not, Or, Query
from gastown_tui.core.record import EXPORT_ONLY_KEYS, GO_FIELD_ORDER

BUILTIN_STATUSES: tuple[str, ...] = (
    "open", "in_progress", "blocked", "deferred", "closed", "pinned", "hooked",
)  # fmt: skip
BUILTIN_TYPES: tuple[str, ...] = (
    "task", "bug", "feature", "epic", "chore", "decision", "spike", "story", "milestone",
    "message", "merge-request", "molecule", "gate", "agent", "role", "rig", "convoy",
    "escalation", "event",
)  # fmt: skip
QUERY_ALIASES: tuple[str, ...] = ("type", "label", "labels")
_VALUE_FIELDS = {"status": "status", "issue_type": "type", "type": "type"}


class UnknownNameError(ValueError):
    """A filter names a field or value that no bead can have; the message lists the valid ones."""


def refuse_unknown(kind: str, given: Iterable[str], valid: Iterable[str]) -> None:
    """Raise when any of `given` is not among `valid`, naming it and the valid ones."""
    known = set(valid)
    unknown = [value for value in given if value not in known]
    if unknown:
        named = ", ".join(repr(value) for value in unknown)
        raise UnknownNameError(f"unknown {kind} {named}; valid {kind}s: {', '.join(sorted(known))}")


def _terms(expr: Expr) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    if isinstance(expr, Compare):
        yield expr.field, expr.op, (expr.value,)
    elif isinstance(expr, InList):
        yield expr.field, "in", expr.values
    elif isinstance(expr, Not):
        yield from _terms(expr.operand)
    elif isinstance(expr, And | Or):
        for operand in expr.operands:
            yield from _terms(operand)


def check_query(
    query: Query, stored_keys: Iterable[str], statuses: Iterable[str], types: Iterable[str]
) -> None:
    """Refuse a query naming a field no record has, or comparing status/type with equality
    against a value that is neither built in nor held by the store."""
    fields = {*GO_FIELD_ORDER, *EXPORT_ONLY_KEYS, *QUERY_ALIASES, *stored_keys}
    valid_values = {"status": {*BUILTIN_STATUSES, "tombstone", *statuses},
                    "type": {*BUILTIN_TYPES, *types}}  # fmt: skip
    for field, op, values in _terms(query.expr):
        refuse_unknown("field", [field.split(".")[0]], fields)
        kind = _VALUE_FIELDS.get(field)
        if kind and op in ("=", "==", "!=", "in"):
            refuse_unknown(kind, values, valid_values[kind])
