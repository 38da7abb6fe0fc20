"""`SeanceScreen`: the selected polecat's earlier sessions — when each ran, on what, what it did,
how it ended, what came back — and the HANDOFF notes it was left (`town/seance`)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text

from gastown_tui.town.seance.sessions import AgentSeance
from gastown_tui.ui.display import safe, safe_block, themed
from gastown_tui.ui.screens.text_screen import TextScreen


class SeanceScreen(TextScreen):
    def __init__(self, agent: str) -> None:
        super().__init__(f"seance · {agent}", f"reading the sessions of {agent}…")
        self.agent = agent
        self.seance: AgentSeance | None = None

    def show(self, seance: AgentSeance | None, colors: Mapping[str, str],
             error: str | None = None) -> None:  # fmt: skip
        self.seance = seance
        if error is not None or seance is None:
            self.put(safe_block(f"cannot read the sessions of {self.agent}: {error}", "bold"))
            return
        self.put(seance_text(seance, colors))


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
