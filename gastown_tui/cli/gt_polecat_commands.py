"""`gt polecat spawn|list|nuke|cycle` and `gt crew add`."""

from __future__ import annotations

from gastown_tui.cli.gt_context import GtContext
from gastown_tui.core import record as rec
from gastown_tui.core.display_text import visible
from gastown_tui.town.work import polecats


def cmd_spawn(ctx: GtContext) -> None:
    record = polecats.spawn(ctx.town, ctx.args.rig, ctx.args.name, ctx.args.runtime, ctx.actor)
    if ctx.json:
        ctx.emit_json(record)
    else:
        ctx.say(f"spawned {rec.metadata_of(record)['address']} ({record['id']})")


def cmd_list(ctx: GtContext) -> None:
    rows = polecats.polecat_rows(ctx.town, ctx.args.rig)
    if ctx.json:
        ctx.emit_json(rows)
        return
    for row in rows:
        ctx.say(f"{row['address']:<28} {row['state']:<9} hook: {', '.join(row['hook']) or '-'}")


def cmd_nuke(ctx: GtContext) -> None:
    result = polecats.nuke(ctx.town, ctx.args.address, ctx.actor)
    if ctx.json:
        ctx.emit_json(result)
        return
    ctx.say(f"nuked {result['polecat']}: " + ("; ".join(result["did"]) or "nothing was running"))
    if result["released"]:
        ctx.say(f"  back to open: {', '.join(result['released'])}")


def cmd_cycle(ctx: GtContext) -> None:
    result = polecats.cycle(ctx.town, ctx.args.address, ctx.actor)
    if ctx.json:
        ctx.emit_json(result)
    elif result["started"]:
        ctx.say(f"{result['polecat']}: started {result['started']} in {result['session']}")
    else:
        ctx.say(f"{result['polecat']}: the hook is empty; no session")


def cmd_crew_add(ctx: GtContext) -> None:
    result = polecats.add_crew(ctx.town, ctx.args.name, ctx.args.rig, ctx.actor)
    if ctx.json:
        ctx.emit_json(result)
    else:
        ctx.say(f"crew {result['crew']}: worktree {visible(result['worktree'])} on "
                f"{result['branch']}")  # fmt: skip
