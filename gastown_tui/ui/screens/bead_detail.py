"""`BeadDetailScreen`: one bead — its fields, description, what it waits for, what waits for
it, and its history from the log. The detail is read by the app in a worker and handed over."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from gastown_tui.town.read_model.details import BeadDetail, LinkedBead
from gastown_tui.ui.display import safe, safe_block


class BeadDetailScreen(Screen[None]):
    DEFAULT_CSS = """
    BeadDetailScreen > VerticalScroll { padding: 0 1; border: round $primary; }
    BeadDetailScreen Static { margin-bottom: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.close_screen", "back"),
        Binding("j", "scroll_down", show=False),
        Binding("k", "scroll_up", show=False),
    ]

    def __init__(self, bead_id: str) -> None:
        super().__init__()
        self.bead_id = bead_id
        self.detail: BeadDetail | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="bead-detail"):
            yield Static(Text(f"reading {self.bead_id}…", style="dim"), id="bead-body")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#bead-detail").border_title = safe(self.bead_id)

    def show(self, detail: BeadDetail | None, error: str | None = None) -> None:
        self.detail = detail
        body = self.query_one("#bead-body", Static)
        if error is not None:
            body.update(safe_block(f"cannot read {self.bead_id}: {error}", "bold"))
        elif detail is None:
            body.update(Text(f"no bead {self.bead_id} (deleted, or never existed)", style="bold"))
        else:
            body.update(detail_text(detail))

    def action_scroll_down(self) -> None:
        self.query_one(VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one(VerticalScroll).scroll_up()


def detail_text(detail: BeadDetail) -> Text:
    bead = detail.bead
    text = Text(end="")
    text.append_text(safe(bead.title, "bold"))
    text.append("\n")
    fields = [
        ("id", bead.id),
        ("status", bead.status),
        ("priority", f"P{bead.priority}"),
        ("type", bead.issue_type),
        ("assignee", bead.assignee or "-"),
        ("labels", ", ".join(bead.labels) or "-"),
        ("created", bead.created_at),
        ("updated", bead.updated_at),
    ]
    for name, value in fields:
        text.append(f"{name:>9}: ", style="dim")
        text.append_text(safe(value))
        text.append("\n")
    text.append("\nDescription\n", style="bold underline")
    text.append_text(safe_block(detail.description or "(none)"))
    text.append("\n\nWaits for\n", style="bold underline")
    _links(text, detail.dependencies)
    text.append("\nWaited on by\n", style="bold underline")
    _links(text, detail.dependents)
    text.append(f"\nHistory ({len(detail.history)} events)\n", style="bold underline")
    for entry in detail.history:
        text.append(f"{entry.ts[:19].replace('T', ' ')}  ", style="dim")
        text.append_text(safe(entry.actor or "-"))
        text.append(f"  {entry.op}", style="bold")
        summary = _summary(entry.data)
        if summary:
            text.append("  ")
            text.append_text(safe(summary, "dim"))
        text.append("\n")
    return text


def _links(text: Text, links: tuple[LinkedBead, ...]) -> None:
    if not links:
        text.append("(nothing)\n", style="dim")
    for link in links:
        text.append(f"{link.dependency_type:>12} ", style="dim")
        text.append_text(safe(link.id))
        text.append(f" [{link.status}] ", style="dim")
        text.append_text(safe(link.title))
        text.append("\n")


def _summary(data: dict[str, object]) -> str:
    """A short line for one history event: the fields it set, or what it names."""
    changed = data.get("set")
    if isinstance(changed, dict):
        return ", ".join(
            f"{key}={value}" for key, value in changed.items() if key not in ("updated_at",)
        )[:160]
    for key in ("reason", "agent", "mr", "merge_commit", "label", "text"):
        if data.get(key):
            return f"{key}={data[key]}"[:160]
    return ""
