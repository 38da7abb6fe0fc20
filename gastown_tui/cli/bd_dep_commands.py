"""`bd dep add|remove|tree|cycles`: edges between beads. `dep add A B` = A waits for B."""

from __future__ import annotations

from gastown_tui.cli import bead_fields
from gastown_tui.cli.command_context import CommandContext, CommandError
from gastown_tui.cli.engine_refusals import refusals_reported
from gastown_tui.core import record as rec
from gastown_tui.core.display_text import visible
from gastown_tui.store.bead_edits.dependencies import add_dependency, remove_dependency
from gastown_tui.store.bead_queries import dependency_tree, find_cycles


def cmd_dep_add(ctx: CommandContext) -> None:
    args = ctx.args
    dep_type = bead_fields.word("dependency type", args.type)
    with refusals_reported():
        dependency = add_dependency(ctx.store, ctx.actor, args.issue, args.depends_on, dep_type)
    if ctx.json:
        ctx.emit_json(dependency)
    else:
        ctx.say(f"{args.issue} now depends on {args.depends_on} ({dep_type})")


def cmd_dep_remove(ctx: CommandContext) -> None:
    args = ctx.args
    with refusals_reported():
        removed = remove_dependency(ctx.store, ctx.actor, args.issue, args.depends_on)
    if ctx.json:
        ctx.emit_json(removed)
    else:
        ctx.say(f"removed {args.issue} → {args.depends_on}")


def cmd_dep_tree(ctx: CommandContext) -> None:
    store = ctx.store
    record = store.get(ctx.args.id)
    if record is None or rec.is_tombstone(record):
        raise CommandError(f"no bead {ctx.args.id!r}")
    rows = dependency_tree(store.connection, ctx.args.id, reverse=ctx.args.reverse,
                           max_depth=ctx.args.max_depth)  # fmt: skip
    if ctx.json:
        ctx.emit_json(rows)
        return
    for row in rows:
        indent = "  " * row["depth"]
        how = f"({visible(str(row['dep_type']))}) " if row["dep_type"] else ""
        if row.get("repeat"):
            ctx.say(f"{indent}{how}{visible(row['id'])} (shown above)")
            continue
        title = visible(str(row["title"] or ""))
        ctx.say(f"{indent}{how}{visible(row['id'])} [{visible(str(row['status']))}] {title}")


def cmd_dep_cycles(ctx: CommandContext) -> None:
    cycles = find_cycles(ctx.store.connection)
    if ctx.json:
        ctx.emit_json(cycles)
        return
    for cycle in cycles:
        ctx.say(" → ".join(visible(bead) for bead in [*cycle, cycle[0]]))
    if not cycles:
        ctx.say("no cycles")
