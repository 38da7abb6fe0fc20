"""`SeanceScreen`: the selected polecat's earlier sessions — when each ran, on what, what it did,
how it ended, what came back — and the HANDOFF notes it was left (`town/seance`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from gastown_tui.town.seance.sessions import AgentSeance
from gastown_tui.ui.display import safe, safe_block, themed


class SeanceScreen(Screen[None]):
    DEFAULT_CSS = "SeanceScreen > VerticalScroll { padding: 0 1; border: round $primary; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.close_screen", "back"),
        Binding("j", "scroll_down", show=False),
        Binding("k", "scroll_up", show=False),
    ]

    def __init__(self, agent: str) -> None:
        super().__init__()
        self.agent = agent
        self.seance: AgentSeance | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="seance"):
            yield Static(Text(f"reading the sessions of {self.agent}…", style="dim"),
                         id="seance-body")  # fmt: skip
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#seance").border_title = safe(f"seance · {self.agent}")

    def show(self, seance: AgentSeance | None, colors: Mapping[str, str],
             error: str | None = None) -> None:  # fmt: skip
        self.seance = seance
        body = self.query_one("#seance-body", Static)
        if error is not None or seance is None:
            body.update(safe_block(f"cannot read the sessions of {self.agent}: {error}", "bold"))
            return
        body.update(seance_text(seance, colors))

    def action_scroll_down(self) -> None:
        self.query_one(VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one(VerticalScroll).scroll_up()


def seance_text(seance: AgentSeance, colors: Mapping[str, str]) -> Text:
    text = Text(end="")
    if not seance.sessions and not seance.handoffs:
        text.append("No sessions on record yet.", style="dim")
        return text
    text.append(f"{len(seance.sessions)} session(s), newest first\n", style="bold")
    for session in seance.sessions:
        text.append(f"\n{session.started_at[:19].replace('T', ' ')}  ", style="dim")
        text.append_text(safe(session.bead, "bold"))
        text.append(f"  attempt {session.attempt or '?'}  ", style="dim")
        ended = session.end_reason or "no end recorded (died, or still running)"
        bad = session.end_reason is None or not session.end_reason.startswith(("done", "cycled"))
        text.append_text(safe(ended, themed("$warning" if bad else "$success", colors)))
        text.append("\n")
        for line in session.did or ["(did nothing recorded)"]:
            text.append("    ")
            text.append_text(safe(line, "" if session.did else "dim"))
            text.append("\n")
        if session.sent_back:
            text.append("    then ")
            text.append_text(safe(session.sent_back, themed("$error", colors)))
            text.append("\n")
    if seance.handoffs:
        text.append("\nHandoff notes (newest first)\n", style="bold underline")
    for note in seance.handoffs:
        text.append(f"{note.at[:19].replace('T', ' ')}  ", style="dim")
        text.append_text(safe(f"{note.status}; next {note.next}"))
        text.append("\n    ")
        text.append_text(safe(note.context, "dim"))
        text.append("\n")
    return text
