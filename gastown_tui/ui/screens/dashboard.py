"""`DashboardScreen` (DESIGN §7): header; rigs tree; the selected agent; escalations, convoys and
the Refinery queue; the event feed. It renders snapshots the app hands it and turns keys into
intents; every engine call is the app's, in a worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer

from gastown_tui.town.read_model.views import TownSnapshot
from gastown_tui.ui.key_registry import DASHBOARD_KEYS, bindings
from gastown_tui.ui.widgets.agent_panel import AgentPanel
from gastown_tui.ui.widgets.board_panels import (
    ConvoyTable,
    EscalationPanel,
    EscalationTable,
    RefineryTable,
    convoy_rows,
    refinery_rows,
)
from gastown_tui.ui.widgets.feed_view import FeedView
from gastown_tui.ui.widgets.keyed_table import KeyedTable
from gastown_tui.ui.widgets.rigs_tree import RigsTree
from gastown_tui.ui.widgets.town_header import TownHeader

NARROW = 110  # columns below which the agent panel gives its room to the boards
SHORT = 30  # lines below which the lower boards shrink


class FeedPanel(Protocol):
    """What the dashboard and the app ask of the feed."""

    query_text: str

    def log_changed(self, size: int, reset: bool) -> None: ...

    def apply_query(self, text: str) -> None: ...

    def follow(self) -> None: ...

    def selected_bead(self) -> str | None: ...


@dataclass(frozen=True)
class Problem:
    """Something that needs the operator, for `N`: what kind, and its key in its panel."""

    kind: str  # polecat, escalation, merge, convoy
    key: str


def problems(snapshot: TownSnapshot) -> list[Problem]:
    found = [
        Problem("polecat", p.address)
        for p in snapshot.polecats()
        if p.state in ("stalled", "zombie")
    ]
    found += [Problem("escalation", e.id) for e in snapshot.escalations if not e.acknowledged]
    found += [
        Problem("merge", m.id) for m in snapshot.merge_requests if m.state in ("failed", "conflict")
    ]
    found += [Problem("convoy", c.id) for c in snapshot.convoys if c.stranded and not c.landed]
    return found


class DashboardScreen(Screen[None]):
    BINDINGS = bindings(DASHBOARD_KEYS)  # type: ignore[assignment]

    def __init__(self, source: str, feed_log: Path | None = None) -> None:
        super().__init__()
        self.source = source
        self.feed_log = feed_log
        self.snapshot: TownSnapshot | None = None
        self.problem_index = -1
        self.feed: FeedPanel | None = None  # mounted when the log can be read

    def compose(self) -> ComposeResult:
        yield TownHeader(self.source, id="header")
        with Horizontal(id="main"):
            yield RigsTree(id="rigs")
            yield AgentPanel(id="agent")
            with Vertical(id="boards"):
                yield EscalationPanel(id="escalation-panel")
                yield ConvoyTable(id="convoys")
                yield RefineryTable(id="refinery")
        with Vertical(id="feed-slot"):
            if self.feed_log is not None:
                feed = FeedView(self.feed_log, id="feed")
                self.feed = feed
                yield feed
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#rigs").border_title = "Rigs"
        self.query_one("#convoys").border_title = "Convoys"
        self.query_one("#refinery").border_title = "Refinery"
        self.query_one("#feed-slot").border_title = "Feed"
        self.query_one(RigsTree).focus()

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW, "narrow")
        self.set_class(event.size.height < SHORT, "short")

    def show(
        self, snapshot: TownSnapshot, colors: Mapping[str, str], progress: float | None
    ) -> None:
        self.snapshot = snapshot
        header = self.query_one(TownHeader)
        header.progress = progress
        header.show(snapshot, colors)
        self.query_one(RigsTree).show(snapshot, colors)
        self.query_one(EscalationPanel).show(snapshot, colors)
        convoys = self.query_one(ConvoyTable)
        convoys.sync(convoy_rows(snapshot.convoys, colors))
        convoys.border_subtitle = "" if snapshot.convoys else "none yet"
        refinery = self.query_one(RefineryTable)
        refinery.sync(refinery_rows(snapshot.merge_requests, colors))
        paused = [rig.name for rig in snapshot.rigs if rig.queue_paused]
        waiting = snapshot.counts.mq_length
        refinery.border_subtitle = (
            f"PAUSED: {', '.join(paused)}" if paused else f"{waiting} waiting"
        )
        self.show_agent(colors)

    def show_agent(self, colors: Mapping[str, str]) -> None:
        if self.snapshot is None:
            return
        address = self.query_one(RigsTree).selected_address()
        polecat = self.snapshot.polecat(address) if address else None
        cv = self.snapshot.cv(polecat.address) if polecat else None
        self.query_one(AgentPanel).show(polecat, self.snapshot.taken_at, colors, cv)

    # -- what is selected ---------------------------------------------------------------------

    def selected_polecat(self) -> str | None:
        focused = self.focused
        if isinstance(focused, EscalationTable) and self.snapshot is not None:
            key = focused.selected_key()
            escalation = next((e for e in self.snapshot.escalations if e.id == key), None)
            if escalation is not None and self.snapshot.polecat(escalation.agent):
                return escalation.agent
        return self.query_one(RigsTree).selected_address()

    def selected_escalation(self) -> str | None:
        return self.query_one(EscalationTable).selected_key()

    def focused_key(self) -> tuple[str, str | None]:
        """(panel, key) of what Enter opens."""
        focused = self.focused
        if isinstance(focused, RigsTree):
            return "polecat", focused.selected_address()
        if isinstance(focused, EscalationTable):
            return "escalation", focused.selected_key()
        if isinstance(focused, RefineryTable):
            return "merge", focused.selected_key()
        if isinstance(focused, ConvoyTable):
            return "convoy", focused.selected_key()
        return "feed", None

    def go_to(self, problem: Problem) -> bool:
        """Focus the panel of `problem` and put its cursor on it."""
        if problem.kind == "polecat":
            tree = self.query_one(RigsTree)
            tree.focus()
            return tree.select_address(problem.key)
        table: KeyedTable = {
            "escalation": self.query_one(EscalationTable),
            "merge": self.query_one(RefineryTable),
            "convoy": self.query_one(ConvoyTable),
        }[problem.kind]
        table.focus()
        return table.select_key(problem.key)

    def next_problem(self) -> Problem | None:
        if self.snapshot is None:
            return None
        found = problems(self.snapshot)
        if not found:
            return None
        self.problem_index = (self.problem_index + 1) % len(found)
        problem = found[self.problem_index]
        self.go_to(problem)
        return problem
