"""`bd dep add|remove|tree|cycles`: edges between beads. `dep add A B` = A waits for B."""

from __future__ import annotations

from gastown_tui.cli import bead_fields
from gastown_tui.cli.bd_write_commands import require
from gastown_tui.cli.bead_output import export_if_automatic
from gastown_tui.cli.command_context import CommandContext, CommandError
from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.dependency_rules import is_blocking, is_parent_edge
from gastown_tui.core.display_text import visible
from gastown_tui.store.bead_queries import cycle_if_added, dependency_tree, find_cycles
from gastown_tui.store.write_transaction import write_transaction


def cmd_dep_add(ctx: CommandContext) -> None:
    args = ctx.args
    dep_type = bead_fields.word("dependency type", args.type)
    if args.issue == args.depends_on:
        raise CommandError(f"{args.issue} cannot depend on itself")
    with write_transaction(ctx.store, ctx.actor) as tx:
        require(tx, args.issue)
        require(tx, args.depends_on)
        if is_blocking(dep_type) or is_parent_edge(dep_type):
            cycle = cycle_if_added(tx.connection, args.issue, args.depends_on)
            if cycle:
                raise CommandError(
                    f"refused: {args.issue} → {args.depends_on} would make a cycle: "
                    + " → ".join(cycle)
                )
        ts = tx.stamp()
        dependency = {"issue_id": args.issue, "depends_on_id": args.depends_on, "type": dep_type,
                      "created_at": ts, "created_by": ctx.actor}  # fmt: skip
        tx.emit(ev.DEP_ADD, args.issue, {"dependency": dependency}, ts)
    export_if_automatic(ctx)
    if ctx.json:
        ctx.emit_json(dependency)
    else:
        ctx.say(f"{args.issue} now depends on {args.depends_on} ({dep_type})")


def cmd_dep_remove(ctx: CommandContext) -> None:
    args = ctx.args
    with write_transaction(ctx.store, ctx.actor) as tx:
        record = require(tx, args.issue)
        edges = [
            d for d in rec.dependencies_of(record) if d.get("depends_on_id") == args.depends_on
        ]
        if not edges:
            raise CommandError(f"{args.issue} has no dependency on {args.depends_on}")
        tx.emit(ev.DEP_REMOVE, args.issue, {"depends_on_id": args.depends_on})
    export_if_automatic(ctx)
    removed = edges[0]
    if ctx.json:
        ctx.emit_json({"issue_id": args.issue, "depends_on_id": args.depends_on,
                       "type": removed.get("type", "blocks"), "removed": True})  # fmt: skip
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
