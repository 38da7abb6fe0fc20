"""`gt convoy create|add|status|list|land|stranded`: convoys from a shell.

The same engine calls (`town/convoys/`) serve the control room's convoy panel and detail screen.
Text shows untrusted titles with visible escapes; `--json` prints the typed results.
"""

from __future__ import annotations

from gastown_tui.cli.gt_context import GtContext
from gastown_tui.core.display_text import visible
from gastown_tui.town.convoys.convoy_changes import add_to_convoy, create_convoy, land_convoy
from gastown_tui.town.convoys.convoys import (
    ConvoyStatus,
    convoy_status,
    list_convoys,
    stranded_convoys,
)

BAR_WIDTH = 20


def progress_bar(fraction: float, width: int = BAR_WIDTH) -> str:
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled)


def _headline(convoy: ConvoyStatus) -> str:
    if convoy.landed:
        state = "landed"
    elif convoy.stranded:
        state = "STRANDED" + (" (marked by the daemon)" if convoy.stranded_mark else "")
    else:
        state = f"{len(convoy.in_state('working', 'merging'))} in flight"
    return (f"{convoy.id}  {progress_bar(convoy.fraction)} {convoy.closed}/{convoy.total}  "
            f"{state}  {visible(convoy.title)}")  # fmt: skip


def _print_status(ctx: GtContext, convoy: ConvoyStatus) -> None:
    ctx.say(_headline(convoy))
    if convoy.notify:
        ctx.say(f"  notifies {visible(convoy.notify)} when it lands")
    for rig, members in convoy.by_rig().items():
        closed = sum(1 for member in members if member.state == "closed")
        ctx.say(f"  {visible(rig)}  {closed}/{len(members)}")
        for member in members:
            who = f"  {visible(member.assignee)}" if member.assignee and member.state != "closed" \
                else ""  # fmt: skip
            ctx.say(f"    {member.state:<8} {member.id}  P{member.priority}  "
                    f"{visible(member.title)}{who}")  # fmt: skip


def cmd_create(ctx: GtContext) -> None:
    args = ctx.args
    convoy = create_convoy(ctx.town, args.name, args.beads, actor=ctx.actor,
                           from_epic=args.from_epic, notify=args.notify)  # fmt: skip
    if ctx.json:
        ctx.emit_json(convoy.to_json())
        return
    ctx.say(f"created convoy {convoy.id} tracking {convoy.total} bead(s)")
    _print_status(ctx, convoy)


def cmd_add(ctx: GtContext) -> None:
    args = ctx.args
    convoy, added = add_to_convoy(ctx.town, args.convoy, args.beads, actor=ctx.actor,
                                  from_epic=args.from_epic)  # fmt: skip
    if ctx.json:
        ctx.emit_json({**convoy.to_json(), "added": added})
        return
    ctx.say(
        f"{convoy.id}: added {len(added)} bead(s)"
        + (f": {', '.join(added)}" if added else " (all were tracked already)")
    )
    _print_status(ctx, convoy)


def cmd_status(ctx: GtContext) -> None:
    convoy = convoy_status(ctx.town, ctx.args.convoy)
    if ctx.json:
        ctx.emit_json(convoy.to_json())
        return
    _print_status(ctx, convoy)


def cmd_list(ctx: GtContext) -> None:
    convoys = list_convoys(ctx.town, include_landed=ctx.args.all)
    if ctx.json:
        ctx.emit_json([convoy.to_json() for convoy in convoys])
        return
    if not convoys:
        ctx.say("no convoys" + ("" if ctx.args.all else " in flight (--all shows landed ones)"))
    for convoy in convoys:
        ctx.say(_headline(convoy))


def cmd_land(ctx: GtContext) -> None:
    result = land_convoy(ctx.town, ctx.args.convoy, actor=ctx.actor, force=ctx.args.force)
    if ctx.json:
        ctx.emit_json(result.to_json())
        return
    if not result.landed:
        ctx.say(f"{result.convoy.id} had landed already")
        return
    told = f"; mailed {visible(result.notified)}" if result.notified else ""
    forced = f" with {len(result.forced_open)} open member(s)" if result.forced_open else ""
    ctx.say(f"landed {result.convoy.id}{forced}{told}")


def cmd_stranded(ctx: GtContext) -> None:
    convoys = stranded_convoys(ctx.town)
    if ctx.json:
        ctx.emit_json([convoy.to_json() for convoy in convoys])
        return
    if not convoys:
        ctx.say("no stranded convoys: every open convoy has work in flight or nothing ready")
    for convoy in convoys:
        ctx.say(_headline(convoy))
        ready = ", ".join(member.id for member in convoy.in_state("ready"))
        ctx.say(f"  ready, nobody on it: {ready}")
