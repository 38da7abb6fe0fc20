"""`gt sling`, `gt hook`, `gt unsling`, `gt prime`, `gt done`: the work on agents' hooks."""

from __future__ import annotations

from pathlib import Path

from gastown_tui.cli.bd_formula_commands import parse_vars
from gastown_tui.cli.bead_output import show_records
from gastown_tui.cli.gt_context import GtContext
from gastown_tui.cli.gt_routing_text import explain_text
from gastown_tui.core import record as rec
from gastown_tui.core.display_text import visible
from gastown_tui.town.hooks import hook_queue
from gastown_tui.town.work.prime import prime_context, prime_text
from gastown_tui.town.work.routing import forget_choice, recent_choice
from gastown_tui.town.work.sling import sling
from gastown_tui.town.work.unsling import unsling
from gastown_tui.town.work.work_done import done


def cmd_sling(ctx: GtContext) -> None:
    args = ctx.args
    forget_choice(ctx.town, args.bead)
    result = sling(ctx.town, args.bead, args.target, formula=args.formula,
                   variables=parse_vars(args.var) or {}, runtime=args.runtime, force=args.force,
                   actor=ctx.actor)  # fmt: skip
    choice = recent_choice(ctx.town, args.bead) if args.explain else None
    if ctx.json:
        ctx.emit_json({**result.to_json(), **({"routing": choice.to_json()} if choice else {})})
        return
    if args.explain:
        ctx.say(explain_text(result, choice))
    where = (f"started in session {result.session}" if not result.queued
             else f"queued on its hook (position {result.position + 1})")  # fmt: skip
    spawned = " (new polecat)" if result.spawned else ""
    ctx.say(f"slung {result.bead} → {result.agent}{spawned}: {where}")
    ctx.say(f"  molecule {result.molecule} ({visible(result.formula)}), attempt {result.attempt}")


def _agent(ctx: GtContext) -> str:
    return str(getattr(ctx.args, "agent", None) or ctx.actor)


def cmd_hook(ctx: GtContext) -> None:
    agent = _agent(ctx)
    queue = hook_queue(ctx.store.connection, agent)
    if ctx.json:
        ctx.emit_json(show_records(ctx, queue))
        return
    if not queue:
        ctx.say(f"{visible(agent)}: the hook is empty")
        return
    for index, record in enumerate(queue):
        mark = "▶" if rec.metadata_of(record).get("session") else f"{index + 1}."
        ctx.say(f"{mark} {record['id']}  P{rec.priority_of(record)}  "
                f"{visible(str(record.get('title', '')))}")  # fmt: skip


def cmd_unsling(ctx: GtContext) -> None:
    result = unsling(ctx.town, ctx.args.bead, ctx.actor)
    if ctx.json:
        ctx.emit_json(result)
    else:
        ctx.say(f"took {ctx.args.bead} off the hook of {visible(result['agent'])}")


def cmd_prime(ctx: GtContext) -> None:
    context = prime_context(ctx.town, _agent(ctx))
    if ctx.json:
        ctx.emit_json(context)
    else:
        ctx.say(prime_text(context))


def cmd_done(ctx: GtContext) -> None:
    result = done(ctx.town, ctx.args.agent, ctx.args.issue, ctx.actor, Path.cwd())
    if ctx.json:
        ctx.emit_json(result.to_json())
        return
    ctx.say(f"done: {result.bead} → merge request {result.mr} ({visible(result.branch)})")
    for step in result.steps:
        ctx.say(f"  {visible(step)}")
