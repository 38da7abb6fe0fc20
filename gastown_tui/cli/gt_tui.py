"""`gt tui`: the control room on this town (textual loads only here, never on the bd path)."""

from __future__ import annotations

import os

from gastown_tui.cli.command_context import CommandError
from gastown_tui.cli.gt_context import GtContext


def cmd_tui(ctx: GtContext) -> None:
    from gastown_tui.ui.launch import run_control_room

    town = ctx.town
    code = run_control_room(town.paths.root, os.environ, ctx.args.tick, town.clock)
    if code:
        raise CommandError("the control room stopped with an error", code=code)
