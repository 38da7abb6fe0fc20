"""`TextScreen`: a full screen of read-only text in a bordered scroll (j/k scroll, Esc back),
shown while the app reads it and replaced by what it read (the convoy detail, the seance)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from gastown_tui.ui.display import safe


class TextScreen(Screen[None]):
    DEFAULT_CSS = "TextScreen > VerticalScroll { padding: 0 1; border: round $primary; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.close_screen", "back"),
        Binding("j", "scroll_down", show=False),
        Binding("k", "scroll_up", show=False),
    ]

    def __init__(self, title: str, reading: str) -> None:
        super().__init__()
        self.title_text = title
        self.reading = reading

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="text-scroll"):
            yield Static(Text(self.reading, style="dim"), id="text-body")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#text-scroll").border_title = safe(self.title_text)

    def put(self, text: Text) -> None:
        self.query_one("#text-body", Static).update(text)

    def action_scroll_down(self) -> None:
        self.query_one(VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one(VerticalScroll).scroll_up()
