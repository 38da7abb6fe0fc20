"""`gt tui`: the control room on this town (textual loads only here, never on the bd path)."""

from __future__ import annotations

import os

from gastown_tui.cli.gt_context import GtContext


def cmd_tui(ctx: GtContext) -> None:
    from gastown_tui.ui.app import ControlRoomApp
    from gastown_tui.ui.engine_session import EngineSession

    town = ctx.town
    session = EngineSession(town.paths.root, dict(os.environ), town.clock)
    ControlRoomApp(session, tick=ctx.args.tick).run()
