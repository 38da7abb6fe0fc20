"""`bd mol pour|wisp|current|squash|burn`: molecules, the poured instances of formulas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gastown_tui.cli.bd_formula_commands import parse_vars
from gastown_tui.cli.command_context import CommandContext, CommandError
from gastown_tui.cli.engine_refusals import refusals_reported
from gastown_tui.core import molecule_rules as mol
from gastown_tui.core import record as rec
from gastown_tui.core.display_text import visible
from gastown_tui.core.formula_cook import cook
from gastown_tui.core.formula_model import FormulaError, Protomolecule
from gastown_tui.store.bead_edits.molecule_actions import (
    burn_molecule,
    pour_formula,
    squash_molecule,
)
from gastown_tui.store.bead_queries import molecule_steps, newest_molecule_for
from gastown_tui.store.formula_library import library_for


def _protomolecule(ctx: CommandContext) -> Protomolecule:
    """Cook the named formula, or the formula of a template bead made by `bd cook --persist`."""
    name = ctx.args.formula
    values = parse_vars(ctx.args.var) or {}
    template = ctx.store.get(name)
    if template is not None and template.get("is_template") is True:
        stored = rec.metadata_of(template).get("protomolecule")
        if isinstance(stored, dict):
            values = {**(stored.get("values") or {}), **values}
        name = str(rec.metadata_of(template).get("formula", name))
    library = library_for(ctx.store.paths.root, Path.cwd())
    try:
        return cook(library.load(name), values, resolve=library.load)
    except FormulaError as error:
        raise CommandError(str(error)) from error


def _pour(ctx: CommandContext, *, wisp: bool) -> None:
    proto = _protomolecule(ctx)
    poured = pour_formula(ctx.store, ctx.actor, proto, wisp=wisp, assignee=ctx.args.assignee)
    steps_out = [{"step": step, "bead": bead, "title": title} for step, bead, title in poured.steps]
    root = poured.root
    result = {"molecule": root, "formula": proto.name, "wisp": wisp, "steps": steps_out}
    if ctx.json:
        ctx.emit_json(result)
        return
    ctx.say(f"poured {visible(proto.name)} as {root} ({len(steps_out)} steps)")
    for row in steps_out:
        ctx.say(f"  {row['bead']}  {visible(row['step'])}: {visible(row['title'])}")


def cmd_pour(ctx: CommandContext) -> None:
    _pour(ctx, wisp=False)


def cmd_wisp(ctx: CommandContext) -> None:
    _pour(ctx, wisp=True)


def _root_of(ctx: CommandContext, bead_id: str) -> str:
    record = ctx.store.get(bead_id)
    if record is None or rec.is_tombstone(record):
        raise CommandError(f"no bead {bead_id!r}")
    return mol.molecule_of(record) or bead_id


def cmd_current(ctx: CommandContext) -> None:
    store = ctx.store
    if ctx.args.agent:
        root = newest_molecule_for(store.connection, ctx.args.agent)
        if root is None:
            raise CommandError(f"{ctx.args.agent} has no molecule in progress")
    elif ctx.args.id:
        root = _root_of(ctx, ctx.args.id)
    else:
        raise CommandError("give a molecule id or --for AGENT", code=2)
    root_record = store.get(root)
    steps = [r for r in (store.get(i) for i in molecule_steps(store.connection, root)) if r]
    if root_record is None or not steps:
        raise CommandError(f"{root} is not a molecule (it has no steps)")
    steps.sort(key=mol.step_index)
    rows = [{"step": mol.step_name(step), "bead": step["id"], "title": step.get("title", ""),
             "state": mol.state_of(step, store.get), "assignee": step.get("assignee")}
            for step in steps]  # fmt: skip
    result = {"molecule": root, "formula": rec.metadata_of(root_record).get("formula"),
              "complete": all(row["state"] == "done" for row in rows), "steps": rows}  # fmt: skip
    if ctx.json:
        ctx.emit_json(result)
        return
    marks = {"done": "✓", "current": "▶", "ready": "○", "blocked": "·"}
    ctx.say(
        f"{root} {visible(str(result['formula']))}" + ("  complete" if result["complete"] else "")
    )
    for row in rows:
        ctx.say(f"  {marks[row['state']]} {row['bead']}  {visible(row['step'])}: "
                f"{visible(str(row['title']))}  [{row['state']}]")  # fmt: skip


def _remove(ctx: CommandContext, *, digest: bool) -> None:
    root = _root_of(ctx, ctx.args.id)
    remove = squash_molecule if digest else burn_molecule
    with refusals_reported():
        outcome = remove(ctx.store, ctx.actor, root)
    result: dict[str, Any] = {"removed": list(outcome.removed)}
    if digest:
        result = {"digest": outcome.digest, **result}
    if ctx.json:
        ctx.emit_json(result)
    else:
        ctx.say(
            f"removed {len(outcome.removed)} beads"
            + (f"; digest {outcome.digest}" if digest else "")
        )


def cmd_squash(ctx: CommandContext) -> None:
    _remove(ctx, digest=True)


def cmd_burn(ctx: CommandContext) -> None:
    _remove(ctx, digest=False)
