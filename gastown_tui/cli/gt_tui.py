"""`gt tui`: the control room on this town (textual loads only here, never on the bd path)."""

from __future__ import annotations

import os

from gastown_tui.cli.command_context import CommandError
from gastown_tui.cli.gt_context import GtContext


def cmd_tui(ctx: GtContext) -> None:
    if ctx.args.beads is not None:
        _browse_beads(ctx)
        return
    from gastown_tui.ui.launch import run_control_room

    town = ctx.town
    code = run_control_room(town.paths.root, os.environ, ctx.args.tick, town.clock)
    if code:
        raise CommandError("the control room stopped with an error", code=code)


def _browse_beads(ctx: GtContext) -> None:
    from gastown_tui.store.beads_mirror import BeadsSourceError
    from gastown_tui.ui.launch import run_beads_browser

    try:
        code = run_beads_browser(ctx.args.beads, os.environ)
    except BeadsSourceError as error:
        raise CommandError(str(error)) from error
    if code:
        raise CommandError("the beads browser stopped with an error", code=code)
