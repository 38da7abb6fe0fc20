"""`gt sync`: commit the town's tracked files, pull (union merge of the log) and push."""

from __future__ import annotations

from gastown_tui.cli.command_context import CommandError
from gastown_tui.cli.gt_context import GtContext
from gastown_tui.core.display_text import visible
from gastown_tui.town.setup.town_sync import sync_town


def cmd_sync(ctx: GtContext) -> None:
    args = ctx.args
    if args.retries < 0:
        raise CommandError(f"--retries must be 0 or more, not {args.retries}", code=2)
    remote = visible(args.remote)
    result = sync_town(ctx.town, actor=ctx.actor, remote=args.remote, retries=args.retries)
    if ctx.json:
        ctx.emit_json(result.to_json())
        return
    if not (result.committed or result.pulled or result.pushed):
        ctx.say(f"in sync with {remote}: nothing to commit, pull or push "
                f"({result.events} events)")  # fmt: skip
        return
    done = [
        "committed local changes" if result.committed else "nothing to commit",
        f"pulled {result.pulled} new event(s)",
        "pushed" if result.pushed else "nothing to push",
    ]
    tries = f" after {result.attempts} attempts" if result.attempts > 1 else ""
    ctx.say(f"synced with {remote}{tries}: {', '.join(done)} ({result.events} events)")
