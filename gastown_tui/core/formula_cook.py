"""Cooking: a formula becomes a protomolecule, one flat list of steps ready to pour.

`cook(formula, None, resolve)` compiles: `extends` and `compose` are resolved, children and
fixed loops flattened, `{{var}}` placeholders kept, no variable checked. `cook(formula, vars,
resolve)` also checks the variables (required, enum, pattern), substitutes them everywhere,
evaluates conditions and unrolls loops over variable ranges. Either way the needs graph is
checked (unknown names, cycles) and the steps come out in an order where each follows what it
needs, ties kept in document order. Errors are `FormulaError`s placed at `PATH:LINE`.

`resolve(name)` returns another parsed formula (for `extends`, `compose.expand` and aspects);
it signals an unknown name with LookupError or with a FormulaError that has no line.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping

from gastown_tui.core.formula_compose import Resolver, apply_aspect, compose
from gastown_tui.core.formula_flatten import flatten
from gastown_tui.core.formula_model import (
    CookedStep,
    Formula,
    FormulaError,
    FormulaType,
    Protomolecule,
    Step,
)
from gastown_tui.core.formula_vars import resolve_values, substitute, substitute_step

__all__ = ["apply_aspect", "cook"]


def _no_formulas(name: str) -> Formula:
    raise LookupError(name)


def _refuse_unpourable(formula: Formula) -> None:
    if formula.type is FormulaType.EXPANSION:
        reason = (
            f"formula '{formula.name}' is an expansion: it cannot be poured alone; "
            "apply it to a step with compose.expand"
        )
    elif formula.type is FormulaType.ASPECT:
        reason = (
            f"formula '{formula.name}' is an aspect: it cannot be poured alone; "
            "apply it to a workflow with compose.aspects"
        )
    else:
        return
    raise FormulaError(formula.source, formula.line_of("type"), reason)


def _preset_legs(formula: Formula, values: Mapping[str, str] | None) -> set[str] | None:
    """The legs a convoy's `[presets.<name>]` keeps for the `preset` variable (None: all)."""
    presets = formula.extra.get("presets")
    if values is None or not isinstance(presets, dict) or "preset" not in values:
        return None
    chosen = presets.get(values["preset"])
    legs = chosen.get("legs") if isinstance(chosen, dict) else None
    if not isinstance(legs, list):
        reason = f"preset '{values['preset']}' is not one of: {', '.join(sorted(presets))}"
        raise FormulaError(formula.source, formula.line_of("presets"), reason)
    return {str(leg) for leg in legs}


def _convoy_steps(formula: Formula, keep: set[str] | None = None) -> tuple[Step, ...]:
    """A convoy's legs as parallel steps (those of the preset), then the synthesis step."""
    legs = tuple(
        Step(
            id=leg.id,
            title=leg.title,
            description=leg.description or leg.focus,
            source=leg.source,
            line=leg.line,
            extra={
                **leg.extra,
                **{
                    key: value
                    for key, value in (("focus", leg.focus), ("agent", leg.agent))
                    if value
                },
            },
        )
        for leg in formula.legs
        if keep is None or leg.id in keep
    )
    synthesis = formula.synthesis
    synthesis_step = Step(
        id=synthesis.id if synthesis else "synthesis",
        title=synthesis.title if synthesis else "Synthesis",
        description=synthesis.description if synthesis else "",
        needs=tuple(
            need
            for need in ((synthesis.depends_on if synthesis else ()) or [leg.id for leg in legs])
            if keep is None or need in keep or need not in {leg.id for leg in formula.legs}
        ),
        source=synthesis.source if synthesis else formula.source,
        line=synthesis.line if synthesis else formula.line_of("formula"),
        extra=synthesis.extra if synthesis else {},
    )
    return (*legs, synthesis_step, *formula.steps)


def _check_unique(steps: list[CookedStep]) -> None:
    seen: dict[str, CookedStep] = {}
    for step in steps:
        first = seen.setdefault(step.id, step)
        if first is not step:
            reason = f"duplicate step id '{step.id}' (first at {first.source}:{first.line})"
            raise FormulaError(step.source, step.line, reason)


def _check_acyclic(steps: list[CookedStep]) -> None:
    """Refuse a needs cycle, named from its step that comes first in the document."""
    needs = {step.id: [need for need in step.needs if need != step.id] for step in steps}
    for step in steps:
        if step.id in step.needs:
            raise FormulaError(step.source, step.line, f"needs cycle: {step.id} -> {step.id}")
    position = {step.id: index for index, step in enumerate(steps)}
    finished: set[str] = set()
    for root in position:
        if root in finished:
            continue
        path = [root]
        pending = [iter(needs[root])]
        while pending:
            following = next(pending[-1], None)
            if following is None:
                finished.add(path.pop())
                pending.pop()
            elif following in path:
                cycle = path[path.index(following) :]
                start = min(range(len(cycle)), key=lambda at: position[cycle[at]])
                cycle = cycle[start:] + cycle[:start]
                first = steps[position[cycle[0]]]
                names = " -> ".join([*cycle, cycle[0]])
                raise FormulaError(first.source, first.line, f"needs cycle: {names}")
            elif following in position and following not in finished:
                path.append(following)
                pending.append(iter(needs[following]))


def _in_needs_order(steps: list[CookedStep]) -> tuple[CookedStep, ...]:
    """Each step after what it needs; among ready steps, document order."""
    position = {step.id: index for index, step in enumerate(steps)}
    waiting = {step.id: {need for need in step.needs if need in position} for step in steps}
    dependents: dict[str, list[str]] = {step.id: [] for step in steps}
    for step_id, needs in waiting.items():
        for need in needs:
            dependents[need].append(step_id)
    ready = [position[step_id] for step_id, needs in waiting.items() if not needs]
    heapq.heapify(ready)
    ordered: list[CookedStep] = []
    while ready:
        step = steps[heapq.heappop(ready)]
        ordered.append(step)
        for dependent in dependents[step.id]:
            waiting[dependent].discard(step.id)
            if not waiting[dependent]:
                heapq.heappush(ready, position[dependent])
    return tuple(ordered)


def cook(
    formula: Formula,
    vars: Mapping[str, str] | None = None,
    resolve: Resolver = _no_formulas,
) -> Protomolecule:
    """Cook a formula: compile only when `vars` is None, else substitute and validate."""
    _refuse_unpourable(formula)
    composed = compose(formula, resolve)
    _refuse_unpourable(composed)
    values = None if vars is None else resolve_values(composed.vars, vars)
    if composed.type is FormulaType.CONVOY:
        steps = _convoy_steps(composed, _preset_legs(composed, values))
    else:
        steps = composed.steps
    if not steps:
        reason = f"formula '{composed.name}' has no steps"
        raise FormulaError(composed.source, composed.line_of("formula"), reason)
    description = composed.description
    if values is not None:
        steps = tuple(substitute_step(step, values) for step in steps)
        description = substitute(description, values)
    cooked = flatten(steps, values)
    _check_unique(cooked)
    _check_acyclic(cooked)
    return Protomolecule(
        name=composed.name,
        type=composed.type,
        source=composed.source,
        version=composed.version,
        description=description,
        phase=composed.phase,
        pour=composed.pour,
        vars=composed.vars,
        values=values,
        steps=_in_needs_order(cooked),
    )
