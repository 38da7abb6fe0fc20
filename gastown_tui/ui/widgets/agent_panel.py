"""`AgentPanel`: the selected polecat — its hook queue, its molecule's steps, and a live
preview of its tmux pane (captured only while this panel is on screen)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from gastown_tui.core.cv_figures import percent, short_duration
from gastown_tui.town.read_model.details import MoleculeView
from gastown_tui.town.read_model.views import AgentCvView, PolecatView
from gastown_tui.ui.display import age_since, glyph, safe, safe_block, themed

STEP_MARKS = {"done": "✓", "current": "▶", "ready": "○", "blocked": "·"}
STEP_STYLES = {"done": "$success", "current": "bold $accent", "ready": "", "blocked": "dim"}


class AgentPanel(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    AgentPanel { padding: 0 1; }
    AgentPanel > #agent-hook { height: auto; }
    AgentPanel > #agent-cv { height: auto; }
    AgentPanel > #agent-molecule { height: auto; margin-top: 1; }
    AgentPanel > #agent-pane { height: auto; min-height: 5; margin-top: 1; border: round $secondary;
                               padding: 0 1; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.polecat: PolecatView | None = None
        self.molecule: MoleculeView | None = None
        self.molecule_error: str | None = None
        self.pane_text: str | None = None
        self._rendered: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="agent-hook")
        yield Static(id="agent-cv")
        yield Static(id="agent-molecule")
        yield Static(id="agent-pane")

    def on_mount(self) -> None:
        self.query_one("#agent-pane", Static).border_title = "pane"

    def show(self, polecat: PolecatView | None, now: datetime, colors: Mapping[str, str],
             cv: AgentCvView | None = None) -> None:  # fmt: skip
        if polecat is None or self.polecat is None or polecat.address != self.polecat.address:
            self.molecule = None
            self.pane_text = None
        self.polecat = polecat
        if polecat is None:
            self.border_title = "agent"
            self._put(
                "agent-hook", Text("Select a polecat in the rigs tree (j/k, arrows).", style="dim")
            )
            self._put("agent-cv", Text(""))
            self._put("agent-molecule", Text(""))
            self._put("agent-pane", Text(""))
            return
        title = Text(no_wrap=True, end="")
        title.append_text(glyph(polecat.state, colors))
        title.append(" ")
        title.append_text(safe(polecat.name, "bold"))
        title.append(" · ")
        title.append_text(safe(polecat.address, "dim"))
        title.append(f" · {polecat.state} {age_since(polecat.last_progress, now)}")
        self.border_title = title
        self._put("agent-hook", hook_text(polecat, colors))
        self._put("agent-cv", cv_text(cv, colors))
        self._put("agent-molecule", molecule_text(self.molecule, colors))
        self._put("agent-pane", self._pane_text())

    def show_molecule(
        self, molecule: MoleculeView | None, colors: Mapping[str, str], error: str | None = None
    ) -> None:
        self.molecule = molecule
        self.molecule_error = error
        if error is not None:
            self._put("agent-molecule", safe(f"molecule: cannot read it ({error})", "bold"))
            return
        self._put("agent-molecule", molecule_text(molecule, colors))

    def show_pane(self, text: str | None, error: str | None = None) -> None:
        self.pane_text = text if error is None else f"(cannot capture the pane: {error})"
        self._put("agent-pane", self._pane_text())

    def _pane_text(self) -> Text:
        if self.polecat is None:
            return Text("")
        if self.polecat.session is None:
            return Text("(no session: nothing to show)", style="dim")
        if self.pane_text is None:
            return Text("(capturing…)", style="dim")
        lines = self.pane_text.rstrip("\n").splitlines()[-12:]
        return safe_block("\n".join(lines))

    def _put(self, widget_id: str, text: Text) -> None:
        key = text.markup
        if self._rendered.get(widget_id) == key:
            return  # unchanged: no repaint (the preview is polled; most polls change nothing)
        self._rendered[widget_id] = key
        self.query_one(f"#{widget_id}", Static).update(text)


def hook_text(polecat: PolecatView, colors: Mapping[str, str]) -> Text:
    text = Text(end="")
    if not polecat.hook:
        text.append("hook: empty (resting)", style="dim")
        return text
    for index, item in enumerate(polecat.hook):
        lead = "hook: " if index == 0 else "      "
        text.append(lead, style="dim")
        text.append_text(safe(item.id, "bold" if item.running else ""))
        text.append(" ")
        text.append_text(safe(item.title))
        text.append(f"  P{item.priority}", style="dim")
        if item.attempt > 1:
            text.append(f"  attempt {item.attempt}", style=themed("$warning", colors))
        if index == 0 and polecat.respawns:
            text.append(f"  respawns {polecat.respawns}", style=themed("$warning", colors))
        text.append("\n")
    text.rstrip()
    return text


def molecule_text(molecule: MoleculeView | None, colors: Mapping[str, str]) -> Text:
    if molecule is None:
        return Text("molecule: –", style="dim")
    text = Text(end="")
    text.append("molecule ", style="dim")
    text.append_text(safe(molecule.formula or molecule.id))
    text.append(f"   {molecule.done}/{len(molecule.steps)}\n", style="dim")
    for step in molecule.steps:
        style = themed(STEP_STYLES.get(step.state, ""), colors)
        text.append(f" {STEP_MARKS.get(step.state, '?')} ", style=style)
        text.append_text(safe(step.name, style))
    return text


def cv_text(cv: AgentCvView | None, colors: Mapping[str, str]) -> Text:
    """The agent's CV in one line (tasks, landed without rework, rework, p90 hook→merge, what
    it does best) and what it has cost; its flags in the warning colour."""
    text = Text(end="")
    text.append("CV ", style="dim")
    if cv is None or not cv.tasks:
        text.append("no work on record yet", style="dim")
    else:
        p90 = short_duration(cv.p90_hook_to_merge)
        text.append(f"{cv.tasks} tasks · {percent(cv.success_rate)} ok · "
                    f"{percent(cv.rework_rate)} rework · p90 {p90}")  # fmt: skip
        if cv.strengths:
            text.append(" · strong ")
            text.append_text(safe(", ".join(cv.strengths)))
    text.append(f" · ${cv.cost_usd if cv else 0.0:,.2f}", style="dim")
    for flag in cv.flags if cv else ():
        text.append(f"  {flag}", style=themed("bold $warning", colors))
    return text
