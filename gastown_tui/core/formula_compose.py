"""Formulas built from other formulas: `extends`, `compose.expand` and aspects.

These work on whole steps by name, before any flattening: a parent's steps are inherited (a
child step with the same id replaces the parent's in place); an expansion's template replaces
one step and whatever needed that step now needs the template's last steps; an aspect's advice
wraps the steps it names with steps run before and after them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from fnmatch import fnmatchcase

from gastown_tui.core.formula_model import Formula, FormulaError, FormulaType, Step, VarDef
from gastown_tui.core.formula_vars import map_step_text, substitute

Resolver = Callable[[str], Formula]

_TARGET = re.compile(r"(?<!\{)\{target(?:\.(id|title|description))?\}(?!\})")
_ADVISED = re.compile(r"(?<!\{)\{step\.(id|title|description)\}(?!\})")


def _load(resolve: Resolver, name: str, where: tuple[str, int]) -> Formula:
    """Another formula by name, errors placed at `where` (the line that named it).

    A resolver signals an unknown name with LookupError or with a FormulaError that has no
    place of its own.
    """
    try:
        return resolve(name)
    except FormulaError as error:
        if error.line:
            raise
        raise FormulaError(*where, error.reason) from None
    except LookupError:
        raise FormulaError(*where, f"unknown formula '{name}'") from None
    except OSError as error:
        raise FormulaError(*where, f"cannot read formula '{name}': {error}") from None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _swap(needs: tuple[str, ...], old: str, new: tuple[str, ...]) -> tuple[str, ...]:
    return _unique(item for need in needs for item in (new if need == old else (need,)))


def replace_need(
    steps: Iterable[Step], old: str, new: tuple[str, ...], keep: Iterable[str] = ()
) -> tuple[Step, ...]:
    """Steps whose `needs` name `new` instead of `old`, nested levels included.

    A nested level that has its own step called `old` means that one, so it is left alone;
    steps whose ids are in `keep` are not touched.
    """
    kept = set(keep)
    result = []
    for step in steps:
        if step.id not in kept and old in step.needs:
            step = dataclasses.replace(step, needs=_swap(step.needs, old, new))
        if step.children and all(child.id != old for child in step.children):
            step = dataclasses.replace(step, children=replace_need(step.children, old, new))
        if step.loop and step.loop.body and all(child.id != old for child in step.loop.body):
            body = replace_need(step.loop.body, old, new)
            step = dataclasses.replace(step, loop=dataclasses.replace(step.loop, body=body))
        result.append(step)
    return tuple(result)


def _merge_vars(base: Iterable[VarDef], top: Iterable[VarDef]) -> tuple[VarDef, ...]:
    merged = {var.name: var for var in base}
    merged.update((var.name, var) for var in top)
    return tuple(merged.values())


def _merge_steps(base: Iterable[Step], top: Iterable[Step]) -> tuple[Step, ...]:
    merged = {step.id: step for step in base}
    merged.update((step.id, step) for step in top)
    return tuple(merged.values())


def _overlay(base: Formula, top: Formula) -> Formula:
    """`top` extending `base`: top's values win, steps and vars merge by name."""
    legs = {leg.id: leg for leg in base.legs}
    legs.update((leg.id, leg) for leg in top.legs)
    return dataclasses.replace(
        top,
        type=top.type if top.type_declared or not base.type_declared else base.type,
        type_declared=top.type_declared or base.type_declared,
        description=top.description or base.description,
        phase=top.phase or base.phase,
        pour=top.pour or base.pour,
        agent=top.agent or base.agent,
        vars=_merge_vars(base.vars, top.vars),
        steps=_merge_steps(base.steps, top.steps),
        template=top.template or base.template,
        legs=tuple(legs.values()),
        synthesis=top.synthesis or base.synthesis,
        advice=base.advice + top.advice,
        pointcuts=base.pointcuts + top.pointcuts,
        extra={**base.extra, **top.extra},
    )


def _exits(steps: tuple[Step, ...]) -> tuple[str, ...]:
    """The steps of a group that no other step of the group needs: its last steps."""
    needed = {need for step in steps for need in step.needs}
    return tuple(step.id for step in steps if step.id not in needed)


def _instantiate(
    templates: tuple[Step, ...],
    placeholder: re.Pattern[str],
    anchor: Step,
    values: Mapping[str, str],
) -> tuple[Step, ...]:
    """Template steps for `anchor`: placeholders filled, ids prefixed, internal needs mapped."""
    fields: dict[str | None, str] = {
        None: anchor.id,
        "id": anchor.id,
        "title": anchor.title,
        "description": anchor.description,
    }

    def fill(text: str) -> str:
        text = placeholder.sub(lambda found: fields[found.group(1)], text)
        return substitute(text, values)

    renamed: dict[str, str] = {}
    filled = []
    for template in templates:
        step = map_step_text(template, fill)
        if not placeholder.search(template.id):
            step = dataclasses.replace(step, id=f"{anchor.id}.{step.id}")
        renamed[template.id] = renamed[fill(template.id)] = step.id
        filled.append(step)
    return tuple(
        dataclasses.replace(step, needs=_unique(renamed.get(need, need) for need in step.needs))
        for step in filled
    )


def expand_step(
    formula: Formula,
    target: str,
    expansion: Formula,
    values: Mapping[str, str],
    where: tuple[str, int],
) -> Formula:
    """Replace step `target` by the template of `expansion`; `where` (path, line) asked for it."""
    if expansion.type is not FormulaType.EXPANSION:
        reason = f"'{expansion.name}' has type {expansion.type}, not expansion"
        raise FormulaError(*where, reason)
    index = next((at for at, step in enumerate(formula.steps) if step.id == target), None)
    if index is None:
        reason = f"expansion target '{target}' is not a step of '{formula.name}'"
        raise FormulaError(*where, reason)
    anchor = formula.steps[index]
    templates = expansion.template or expansion.steps
    if not templates:
        reason = f"expansion '{expansion.name}' has no template steps"
        raise FormulaError(expansion.source, expansion.line_of("formula"), reason)
    added = _instantiate(templates, _TARGET, anchor, values)
    added = tuple(
        step if template.needs else dataclasses.replace(step, needs=anchor.needs)
        for step, template in zip(added, templates, strict=True)
    )
    rest = replace_need(formula.steps[:index] + formula.steps[index + 1 :], target, _exits(added))
    return dataclasses.replace(
        formula,
        steps=rest[:index] + added + rest[index:],
        vars=_merge_vars(expansion.vars, formula.vars),
    )


def apply_aspect(formula: Formula, aspect: Formula) -> Formula:
    """Insert the aspect's advice steps before and after each step of `formula` it targets.

    Advice targets are globs over top-level step ids (the aspect's `pointcuts` when the advice
    names none). Before-steps run in order between the target's needs and the target;
    after-steps run in order after it, and whatever needed the target needs the last of them.
    """
    if aspect.type is not FormulaType.ASPECT:
        reason = f"'{aspect.name}' has type {aspect.type}, not aspect"
        raise FormulaError(aspect.source, aspect.line_of("type"), reason)
    steps = formula.steps
    original = [step.id for step in formula.steps]
    for advice in aspect.advice:
        patterns = advice.targets or aspect.pointcuts
        for target in [name for name in original if any(fnmatchcase(name, p) for p in patterns)]:
            index = next(at for at, step in enumerate(steps) if step.id == target)
            anchor = steps[index]
            before = _instantiate(advice.before, _ADVISED, anchor, {})
            after = _instantiate(advice.after, _ADVISED, anchor, {})
            chained_before = _chain(before, anchor.needs)
            if chained_before:
                anchor = dataclasses.replace(anchor, needs=(chained_before[-1].id,))
            chained_after = _chain(after, (anchor.id,))
            rest = steps[:index] + steps[index + 1 :]
            if chained_after:
                rest = replace_need(rest, target, (chained_after[-1].id,))
            steps = rest[:index] + chained_before + (anchor,) + chained_after + rest[index:]
    return dataclasses.replace(formula, steps=steps, vars=_merge_vars(aspect.vars, formula.vars))


def _chain(steps: tuple[Step, ...], first_needs: tuple[str, ...]) -> tuple[Step, ...]:
    """Steps run one after another, the first after `first_needs`; own needs are kept too."""
    chained = []
    previous = first_needs
    for step in steps:
        chained.append(dataclasses.replace(step, needs=_unique(previous + step.needs)))
        previous = (step.id,)
    return tuple(chained)


def compose(formula: Formula, resolve: Resolver, chain: tuple[str, ...] = ()) -> Formula:
    """The formula with `extends`, `compose.expand`, step `expand` and `compose.aspects` done."""
    if formula.name in chain:
        cycle = " -> ".join((*chain[chain.index(formula.name) :], formula.name))
        reason = f"formula composition cycle: {cycle}"
        raise FormulaError(formula.source, formula.line_of("extends"), reason)
    inner = (*chain, formula.name)

    def load(name: str, where: tuple[str, int]) -> Formula:
        return compose(_load(resolve, name, where), resolve, inner)

    result = formula
    if formula.extends:
        where = (formula.source, formula.line_of("extends"))
        parents = [load(name, where) for name in formula.extends]
        base = parents[0]
        for parent in parents[1:]:
            base = _overlay(base, parent)
        result = _overlay(base, formula)
    for request in formula.expand:
        where = (formula.source, request.line)
        expansion = load(request.formula, where)
        result = expand_step(result, request.target, expansion, request.vars, where)
    for step in [step for step in result.steps if step.expand]:
        where = (step.source, step.line)
        result = expand_step(result, step.id, load(step.expand, where), {}, where)
    for name in formula.aspects:
        result = apply_aspect(
            result, load(name, (formula.source, formula.line_of("compose.aspects")))
        )
    return dataclasses.replace(result, extends=(), expand=(), aspects=())
