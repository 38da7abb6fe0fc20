"""The control room as `gt demo` opens it: Ctrl-C quits too (the demo then stops everything it
started and exits 130, as an interrupted command does), and a first notice says where the demo
town is and what quitting does."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding

from gastown_tui.core.exit_codes import INTERRUPTED
from gastown_tui.ui.app import ControlRoomApp


class DemoControlRoom(ControlRoomApp):
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("ctrl+c", "interrupt", "stop the demo", show=False, priority=True)
    ]

    def __init__(self, *args: object, notice: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.notice = notice

    def on_mount(self) -> None:
        super().on_mount()
        if self.notice:
            self.notify(self.notice, title="gt demo", timeout=12)

    def action_interrupt(self) -> None:
        self.exit(return_code=INTERRUPTED)
