"""Where a command line starts the app (`gt tui`, `gt demo`): the one door from cli/ into ui/,
imported lazily so textual loads only when the control room opens."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from gastown_tui.core.clock import Clock, SystemClock
from gastown_tui.store.beads_mirror import locate_source
from gastown_tui.ui.app import ControlRoomApp
from gastown_tui.ui.beads_browser.browser_app import BeadsBrowserApp
from gastown_tui.ui.demo_app import DemoControlRoom
from gastown_tui.ui.engine_session import EngineSession


def run_control_room(
    root: Path, environ: Mapping[str, str], tick: float, clock: Clock | None = None
) -> int:
    """`gt tui` on the town at `root`; returns the app's exit status."""
    session = EngineSession(root, dict(environ), clock or SystemClock())
    app = ControlRoomApp(session, tick=tick)
    app.run()
    return app.return_code or 0


def run_demo_room(root: Path, environ: Mapping[str, str], notice: str) -> int:
    """The control room `gt demo` opens; 130 when the operator stopped it with Ctrl-C."""
    session = EngineSession(root, {**environ, "GT_TOWN": str(root)})
    app = DemoControlRoom(session, tick=1.0, source_label=f"demo · {root}", notice=notice)
    app.run()
    return app.return_code or 0


def run_beads_browser(path: Path, environ: Mapping[str, str]) -> int:
    """`gt tui --beads DIR`: the read-only browser; `BeadsSourceError` names a wrong path."""
    app = BeadsBrowserApp(locate_source(path), environ)
    app.run()
    return app.return_code or 0
