"""Formula variables: checking given values, substituting `{{name}}`, evaluating conditions.

Only `{{name}}` with a plain identifier is a variable; Go-template text such as `{{.leg.focus}}`
in convoy prompts is left alone. A name that is neither defined nor given is left as written,
so text meant for a later stage survives cooking.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping

from gastown_tui.core.formula_model import FormulaError, Gate, Step, VarDef

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}")
_TRUTHY_CONDITION = re.compile(r"^\s*(!?)\s*\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}\s*$")
_COMPARISON = re.compile(r"^\s*\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}\s*(==|!=)\s*(.*?)\s*$")
_FALSE_WORDS = {"", "false", "0", "no", "off"}


def resolve_values(definitions: tuple[VarDef, ...], given: Mapping[str, str]) -> dict[str, str]:
    """The value of every variable: given, else its default; checked against each definition.

    Extra given names (the engine injects `rig`, `prefix`...) are kept. An optional variable
    with neither value nor default is empty.
    """
    values = dict(given)
    for var in definitions:
        if var.name in given:
            continue
        if var.default is not None:
            values[var.name] = var.default
        elif var.required and not any(other in given for other in var.required_unless):
            raise FormulaError(var.source, var.line, f"missing required variable '{var.name}'")
        else:
            values[var.name] = ""
    for var in definitions:
        value = values[var.name]
        if var.enum and value not in var.enum:
            choices = ", ".join(var.enum)
            reason = f"variable '{var.name}' = {value!r} is not one of: {choices}"
            raise FormulaError(var.source, var.line, reason)
        if var.pattern is not None and (value or var.name in given):
            try:
                matches = re.fullmatch(var.pattern, value) is not None
            except re.error as error:
                reason = f"variable '{var.name}' has an invalid pattern: {error}"
                raise FormulaError(var.source, var.line, reason) from None
            if not matches:
                reason = f"variable '{var.name}' = {value!r} does not match {var.pattern!r}"
                raise FormulaError(var.source, var.line, reason)
    return values


def substitute(text: str, values: Mapping[str, str]) -> str:
    """Replace each `{{name}}` that `values` knows; leave the others as written."""
    if "{{" not in text:
        return text
    return PLACEHOLDER.sub(lambda found: values.get(found.group(1), found.group(0)), text)


def map_step_text(step: Step, change: Callable[[str], str]) -> Step:
    """The step with `change` applied to every text field, its children and loop body too.

    The condition is left alone: it is evaluated against the values, not rewritten by them.
    """
    gate = step.gate
    if gate is not None:
        gate = Gate(change(gate.type), change(gate.id), change(gate.timeout), gate.extra)
    loop = step.loop
    if loop is not None:
        count = change(loop.count) if isinstance(loop.count, str) else loop.count
        loop = dataclasses.replace(
            loop,
            count=count,
            range=change(loop.range),
            body=tuple(map_step_text(child, change) for child in loop.body),
        )
    return dataclasses.replace(
        step,
        id=change(step.id),
        title=change(step.title),
        description=change(step.description),
        needs=tuple(change(need) for need in step.needs),
        acceptance=change(step.acceptance),
        type=change(step.type),
        labels=tuple(change(label) for label in step.labels),
        assignee=change(step.assignee),
        gate=gate,
        loop=loop,
        children=tuple(map_step_text(child, change) for child in step.children),
    )


def substitute_step(step: Step, values: Mapping[str, str]) -> Step:
    """The step with `{{name}}` replaced in every text field, its children and loop body too."""
    return map_step_text(step, lambda text: substitute(text, values))


def check_condition(step: Step) -> None:
    """Refuse a condition that is not `{{v}}`, `!{{v}}`, `{{v}} == x` or `{{v}} != x`."""
    if step.condition and not (
        _TRUTHY_CONDITION.match(step.condition) or _COMPARISON.match(step.condition)
    ):
        reason = (
            f"step '{step.id}': condition {step.condition!r} is not understood "
            "(use {{var}}, !{{var}}, {{var}} == value or {{var}} != value)"
        )
        raise FormulaError(step.source, step.line, reason)


def condition_holds(step: Step, values: Mapping[str, str]) -> bool:
    """Whether the step's condition is true for these values (no condition: true)."""
    if not step.condition:
        return True
    check_condition(step)
    truthy = _TRUTHY_CONDITION.match(step.condition)
    if truthy:
        value = values.get(truthy.group(2), "")
        holds = value.strip().lower() not in _FALSE_WORDS
        return holds != (truthy.group(1) == "!")
    comparison = _COMPARISON.match(step.condition)
    assert comparison is not None  # check_condition accepted it
    name, operator, literal = comparison.groups()
    if len(literal) >= 2 and literal[0] == literal[-1] and literal[0] in "\"'":
        literal = literal[1:-1]
    equal = values.get(name, "") == literal
    return equal if operator == "==" else not equal
