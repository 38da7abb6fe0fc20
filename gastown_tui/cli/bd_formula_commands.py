"""`bd formula list|show` and `bd cook`: the formulas a store can see, and cooking them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gastown_tui.cli.command_context import CommandContext, CommandError
from gastown_tui.cli.engine_refusals import refusals_reported
from gastown_tui.core.display_text import visible
from gastown_tui.core.formula_cook import cook
from gastown_tui.core.formula_model import (
    CookedStep,
    Formula,
    FormulaError,
    FormulaType,
    Protomolecule,
    VarDef,
)
from gastown_tui.store.bead_edits.molecule_actions import store_template
from gastown_tui.store.formula_library import FormulaLibrary, library_for


def _library(ctx: CommandContext) -> FormulaLibrary:
    return library_for(ctx.store.paths.root, Path.cwd())


def _var_view(var: VarDef) -> dict[str, Any]:
    return {"name": var.name, "description": var.description, "default": var.default,
            "required": var.required, "enum": list(var.enum), "pattern": var.pattern}  # fmt: skip


def _step_view(step: CookedStep) -> dict[str, Any]:
    view: dict[str, Any] = {"id": step.id, "title": step.title, "description": step.description,
                            "needs": list(step.needs), "type": step.type}  # fmt: skip
    optional = {"acceptance": step.acceptance, "priority": step.priority,
                "labels": list(step.labels), "assignee": step.assignee, "parent": step.parent,
                "condition": step.condition}  # fmt: skip
    view.update({key: value for key, value in optional.items() if value not in ("", None, [])})
    if step.loop is not None:
        view["loop"] = {"count": step.loop.count, "range": step.loop.range, "var": step.loop.var}
    return view


def protomolecule_view(proto: Protomolecule) -> dict[str, Any]:
    return {"formula": proto.name, "type": str(proto.type), "version": proto.version,
            "description": proto.description, "source": proto.source,
            "compiled_only": proto.values is None,
            "values": dict(proto.values) if proto.values is not None else None,
            "vars": [_var_view(var) for var in proto.vars],
            "steps": [_step_view(step) for step in proto.steps]}  # fmt: skip


def _pourable(formula: Formula) -> bool:
    return formula.type not in (FormulaType.EXPANSION, FormulaType.ASPECT)


def cmd_formula_list(ctx: CommandContext) -> None:
    library = _library(ctx)
    rows = []
    for found in library.files():
        row: dict[str, Any] = {"name": found.name, "path": str(found.path),
                               "shadows": [str(path) for path in found.shadows]}  # fmt: skip
        try:
            formula = library.load(found.name)
            row.update({"type": str(formula.type), "version": formula.version,
                        "description": formula.description.strip()})  # fmt: skip
        except FormulaError as error:
            row["error"] = str(error)
        rows.append(row)
    if ctx.json:
        ctx.emit_json(rows)
        return
    for row in rows:
        kind = row.get("type", "unreadable")
        summary = row.get("description", row.get("error", "")).split("\n", 1)[0]
        ctx.say(f"{visible(row['name']):28} {kind:10} {visible(summary)[:70]}")


def cmd_formula_show(ctx: CommandContext) -> None:
    library = _library(ctx)
    formula = _load(library, ctx.args.name)
    view: dict[str, Any] = {"name": formula.name, "type": str(formula.type),
                            "version": formula.version, "description": formula.description,
                            "path": formula.source,
                            "vars": [_var_view(var) for var in formula.vars]}  # fmt: skip
    if _pourable(formula):
        view["steps"] = protomolecule_view(_cook(formula, None, library))["steps"]
    if ctx.json:
        ctx.emit_json(view)
        return
    ctx.say(f"{visible(formula.name)} ({formula.type}, version {formula.version})")
    ctx.say(visible(formula.description.strip(), keep_newlines=True))
    for var in formula.vars:
        need = "required" if var.required else f"default {var.default!r}"
        ctx.say(f"  var {visible(var.name)}: {need}  {visible(var.description)}")
    _say_steps(ctx, view.get("steps", []), "step ")


def _say_steps(ctx: CommandContext, steps: list[dict[str, Any]], lead: str = "") -> None:
    for step in steps:
        needs = f"  (needs {', '.join(step['needs'])})" if step["needs"] else ""
        ctx.say(f"  {lead}{visible(step['id'])}: {visible(step['title'])}{visible(needs)}")


def _load(library: FormulaLibrary, name: str) -> Formula:
    try:
        return library.load(name)
    except FormulaError as error:
        raise CommandError(str(error)) from error


def _cook(
    formula: Formula, values: dict[str, str] | None, library: FormulaLibrary
) -> Protomolecule:
    try:
        return cook(formula, values, resolve=library.load)
    except FormulaError as error:
        raise CommandError(str(error)) from error


def parse_vars(items: list[str] | None) -> dict[str, str] | None:
    """`--var k=v` options (None when there are none: compile only)."""
    if not items:
        return None
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandError(f"--var {item!r} must be NAME=VALUE", code=2)
        values[key] = value
    return values


def cmd_cook(ctx: CommandContext) -> None:
    library = _library(ctx)
    formula = _load(library, ctx.args.formula)
    proto = _cook(formula, parse_vars(ctx.args.var), library)
    view = protomolecule_view(proto)
    if ctx.args.persist:
        view["template"] = _persist(ctx, proto, view)
    if ctx.json:
        ctx.emit_json(view)
        return
    state = "compiled" if proto.values is None else "cooked"
    ctx.say(f"{state} {visible(proto.name)}: {len(proto.steps)} steps")
    _say_steps(ctx, view["steps"])
    if ctx.args.persist:
        ctx.say(f"stored as template bead {visible(view['template'])}")


def _persist(ctx: CommandContext, proto: Protomolecule, view: dict[str, Any]) -> str:
    """Store the protomolecule as a template bead named after the formula."""
    with refusals_reported():
        return store_template(ctx.store, ctx.actor, proto, view)
