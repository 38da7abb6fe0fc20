"""Flatten formula steps into cooked steps: children, loops and conditions.

- Children become steps `<parent>.<child>`. A child with no `needs` needs what its parent
  needs; the parent needs its last children, so it closes after them, as an epic does.
- A loop repeats its step as `<id>.<i>` (children and loop body included), each iteration
  needing the one before; `{{i}}` (or the loop's `var`) is the iteration value. Whatever needed
  the loop step needs the last iteration.
- A step whose condition is false is dropped; whatever needed it needs what it needed.

A name in `needs` is looked up in the step's own level, then in the enclosing levels outwards,
then as a full id (`parent.child`). Conditions are evaluated and loops over `{{var}}` ranges
expanded only when cooking with values; a compile-only cook keeps such steps as they are.
"""

from __future__ import annotations

import ast
import dataclasses
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial

from gastown_tui.core.formula_model import CookedStep, FormulaError, Step
from gastown_tui.core.formula_vars import (
    PLACEHOLDER,
    check_condition,
    condition_holds,
    map_step_text,
    substitute,
)

MAX_ITERATIONS = 10_000
_OPERATORS: dict[type[ast.operator], Callable[[int, int], int]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Div: operator.floordiv,
    ast.Pow: operator.pow,
}


@dataclass
class _Scope:
    """One level of steps: the names kept, and the names that stand for other steps."""

    prefix: str
    outer: _Scope | None
    inherited: list[tuple[str, _Scope]]
    ids: set[str] = field(default_factory=set)
    # A loop step's name stands for its last iteration.
    redirects: dict[str, str] = field(default_factory=dict)
    # A dropped step's name stands for what it needed.
    dropped: dict[str, Step] = field(default_factory=dict)


@dataclass
class _Pending:
    step: Step
    full_id: str
    parent: str | None
    needs: list[tuple[str, _Scope]]
    children: list[_Pending] = field(default_factory=list)
    resolved: tuple[str, ...] = ()


def _integer(text: str, step: Step) -> int:
    """An integer expression (`3`, `2^4-1`) from a loop bound."""

    def evaluate(node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -evaluate(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            left, right = evaluate(node.left), evaluate(node.right)
            if isinstance(node.op, ast.Pow) and not 0 <= right <= 64:
                raise ValueError("exponent out of range")
            return _OPERATORS[type(node.op)](left, right)
        raise ValueError("not an integer expression")

    try:
        return evaluate(ast.parse(text.strip().replace("^", "**"), mode="eval").body)
    except (SyntaxError, ValueError, ZeroDivisionError):
        reason = f"step '{step.id}': loop bound {text.strip()!r} is not an integer"
        raise FormulaError(step.source, step.line, reason) from None


def _iteration_values(step: Step, values: Mapping[str, str] | None) -> list[int] | None:
    """The loop values of a step, or None when it is not a loop that cooking can unroll."""
    loop = step.loop
    if loop is None or loop.until:
        return None
    bound = str(loop.count) if loop.count is not None else loop.range
    if not bound:
        reason = f"step '{step.id}': a loop needs 'count', 'range' or 'until'"
        raise FormulaError(step.source, step.line, reason)
    if PLACEHOLDER.search(bound):
        if values is None:
            return None
        reason = f"step '{step.id}': loop bound {bound!r} uses an undefined variable"
        raise FormulaError(step.source, step.line, reason)
    if loop.count is not None:
        first, last = 1, _integer(bound, step)
    else:
        start, separator, end = bound.partition("..")
        if not separator:
            reason = f"step '{step.id}': loop range {bound!r} is not 'START..END'"
            raise FormulaError(step.source, step.line, reason)
        first, last = _integer(start, step), _integer(end, step)
    if last - first + 1 > MAX_ITERATIONS:
        reason = (
            f"step '{step.id}': loop of {last - first + 1} iterations (at most {MAX_ITERATIONS})"
        )
        raise FormulaError(step.source, step.line, reason)
    return list(range(first, last + 1))


def _iterations(step: Step, numbers: list[int]) -> list[Step]:
    assert step.loop is not None
    loop = step.loop
    base = dataclasses.replace(step, loop=None, children=step.children + loop.body)
    copies: list[Step] = []
    for number in numbers:
        copy = map_step_text(base, partial(substitute, values={loop.var: str(number)}))
        needs = (copies[-1].id,) if copies else copy.needs
        copies.append(dataclasses.replace(copy, id=f"{step.id}.{number}", needs=needs))
    return copies


def _level(
    steps: Iterable[Step],
    scope: _Scope,
    parent: str | None,
    values: Mapping[str, str] | None,
    out: list[_Pending],
) -> list[_Pending]:
    kept: list[Step] = []
    for step in steps:
        check_condition(step)
        if values is not None and not condition_holds(step, values):
            scope.dropped[step.id] = step
            continue
        numbers = _iteration_values(step, values)
        if numbers is None:
            kept.append(step)
        elif not numbers:
            scope.dropped[step.id] = step
        else:
            copies = _iterations(step, numbers)
            kept.extend(copies)
            scope.redirects[step.id] = copies[-1].id
    scope.ids = {step.id for step in kept}
    direct = []
    for step in kept:
        needs = [(need, scope) for need in step.needs] if step.needs else list(scope.inherited)
        pending = _Pending(step, scope.prefix + step.id, parent, needs)
        out.append(pending)
        direct.append(pending)
        if step.children:
            inner = _Scope(f"{pending.full_id}.", scope, needs)
            pending.children = _level(step.children, inner, pending.full_id, values, out)
    return direct


class _Resolver:
    """Turns names in `needs` into full step ids."""

    def __init__(self, all_ids: set[str], compile_only: bool) -> None:
        self.all_ids = all_ids
        self.compile_only = compile_only

    def needs(self, needs: list[tuple[str, _Scope]], owner: Step, owner_id: str) -> list[str]:
        found: list[str] = []
        for name, scope in needs:
            if self.compile_only and PLACEHOLDER.search(name):
                found.append(name)
                continue
            ids = self.name(name, scope, ())
            if ids is None:
                reason = f"step '{owner_id}' needs unknown step '{name}'"
                raise FormulaError(owner.source, owner.line, reason)
            found.extend(ids)
        return found

    def name(self, name: str, scope: _Scope, through: tuple[str, ...]) -> list[str] | None:
        current: _Scope | None = scope
        while current is not None:
            if name in current.ids:
                return [current.prefix + name]
            if name in current.redirects:
                return [current.prefix + current.redirects[name]]
            if name in current.dropped:
                return self.dropped(current, current.dropped[name], through)
            current = current.outer
        return [name] if name in self.all_ids else None

    def dropped(self, scope: _Scope, step: Step, through: tuple[str, ...]) -> list[str]:
        full_id = scope.prefix + step.id
        if full_id in through:
            cycle = " -> ".join((*through[through.index(full_id) :], full_id))
            raise FormulaError(step.source, step.line, f"needs cycle: {cycle}")
        needs = [(need, scope) for need in step.needs] if step.needs else scope.inherited
        found: list[str] = []
        for name, where in needs:
            ids = self.name(name, where, (*through, full_id))
            if ids is None:
                reason = f"step '{full_id}' needs unknown step '{name}'"
                raise FormulaError(step.source, step.line, reason)
            found.extend(ids)
        return found


def flatten(steps: Iterable[Step], values: Mapping[str, str] | None) -> list[CookedStep]:
    """Cooked steps in document order (a parent before its children), needs as full ids."""
    pending: list[_Pending] = []
    _level(steps, _Scope("", None, []), None, values, pending)
    resolver = _Resolver({item.full_id for item in pending}, values is None)
    for item in pending:
        item.resolved = tuple(resolver.needs(item.needs, item.step, item.full_id))
    cooked = []
    for item in pending:
        needs = list(item.resolved)
        if item.children:
            needed = {need for child in item.children for need in child.resolved}
            needs += [child.full_id for child in item.children if child.full_id not in needed]
        step = item.step
        cooked.append(
            CookedStep(
                id=item.full_id,
                title=step.title,
                description=step.description,
                needs=tuple(dict.fromkeys(needs)),
                acceptance=step.acceptance,
                type=step.type,
                priority=step.priority,
                labels=step.labels,
                assignee=step.assignee,
                gate=step.gate,
                parent=item.parent,
                condition=step.condition if values is None else "",
                loop=step.loop,
                source=step.source,
                line=step.line,
                extra=step.extra,
            )
        )
    return cooked
