"""`HelpScreen`: every key of the control room, from the key registry, with the Gas Town words
explained once (a newcomer should not need the docs to read the dashboard)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from gastown_tui.ui.key_registry import ALL_KEYS, KeySpec, key_display

GLOSSARY = (
    ("rig", "a repository the town works on"),
    ("polecat", "a worker agent; its session runs in tmux, its identity and record persist"),
    ("hook", "the beads on an agent's hook are its work queue; the first one is running"),
    ("bead", "one tracked item: a task, a step, a message, a merge request…"),
    ("molecule", "a formula's steps poured as beads: ✓ done ▶ current ○ ready · blocked"),
    ("Refinery", "a rig's merge queue: rebases, runs the gates, lands one commit per request"),
    ("escalation", "a HELP request routed to you, by severity; acknowledge, reply, resolve"),
    ("convoy", "a group of beads across rigs, with progress; lands when all are closed"),
    ("states", "● working  ⚠ stalled  ✗ zombie (session dead)  ◌ spawning  ○ resting  ? unknown"),
)


class HelpScreen(Screen[None]):
    DEFAULT_CSS = "HelpScreen > VerticalScroll { padding: 0 2; border: round $primary; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.close_screen", "back"),
        Binding("q", "app.close_screen", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(help_text(ALL_KEYS))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).border_title = "Gas Town control room · help"


def help_text(specs: tuple[KeySpec, ...]) -> Text:
    text = Text(end="")
    groups: dict[str, list[KeySpec]] = {}
    for spec in specs:
        groups.setdefault(spec.group, []).append(spec)
    for group, members in groups.items():
        text.append(f"{group}\n", style="bold underline")
        for spec in members:
            text.append(f"  {key_display(spec.key):>10}  ", style="bold")
            text.append(f"{spec.help}\n")
        text.append("\n")
    text.append("Movement\n", style="bold underline")
    text.append("  j/k, arrows move · Tab / Shift+Tab next / previous panel · Enter opens\n\n")
    text.append("Words\n", style="bold underline")
    for word, meaning in GLOSSARY:
        text.append(f"  {word:>10}  ", style="bold")
        text.append(f"{meaning}\n")
    return text
