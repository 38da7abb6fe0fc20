"""`PeekScreen`: a read-only, full-screen view of one polecat's pane that follows it live.
Nothing typed here reaches the agent; `a` from here attaches for real."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from gastown_tui.ui.display import safe, safe_block
from gastown_tui.ui.messages import AttachRequested


class PeekScreen(Screen[None]):
    DEFAULT_CSS = """
    PeekScreen > VerticalScroll { border: round $accent; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.close_screen", "back"),
        Binding("a", "attach", "attach"),
    ]
    INTERVAL = 0.5  # seconds between captures, only while this screen is shown

    def __init__(self, address: str, session: str) -> None:
        super().__init__()
        self.address = address
        self.session = session
        self.text: str | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("capturing…", style="dim"), id="peek-body")
        yield Footer()

    def on_mount(self) -> None:
        title = Text("peek (read-only) · ", style="bold")
        title.append_text(safe(self.address))
        self.query_one(VerticalScroll).border_title = title

    def show(self, text: str, error: str | None = None) -> None:
        if error is not None:
            self.query_one("#peek-body", Static).update(safe_block(f"cannot capture: {error}"))
            return
        if text == self.text:
            return
        self.text = text
        self.query_one("#peek-body", Static).update(safe_block(text.rstrip("\n")))
        self.query_one(VerticalScroll).scroll_end(animate=False)

    def action_attach(self) -> None:
        self.post_message(AttachRequested(self.session))
