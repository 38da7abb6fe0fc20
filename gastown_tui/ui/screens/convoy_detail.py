"""`ConvoyDetailScreen`: one convoy — its progress, and its members by rig and state — with the
land action (`L`). The app reads the convoy in a worker (`convoy_status`) and hands it over."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType

from gastown_tui.town.convoys.convoys import ConvoyStatus
from gastown_tui.ui.display import bar, safe, safe_block, themed
from gastown_tui.ui.key_registry import CONVOY_KEYS, bindings
from gastown_tui.ui.screens.text_screen import TextScreen

MEMBER_MARKS = {
    "closed": ("✓", "$success"),
    "merging": ("⚙", "$accent"),
    "working": ("●", "$success"),
    "ready": ("○", "$warning"),
    "waiting": ("·", "dim"),
}


class ConvoyDetailScreen(TextScreen):
    BINDINGS: ClassVar[list[BindingType]] = [*bindings(CONVOY_KEYS)]  # and TextScreen's

    def __init__(self, convoy_id: str) -> None:
        super().__init__(f"convoy {convoy_id}", f"reading {convoy_id}…")
        self.convoy_id = convoy_id
        self.convoy: ConvoyStatus | None = None

    def show(self, convoy: ConvoyStatus | None, colors: Mapping[str, str],
             error: str | None = None) -> None:  # fmt: skip
        self.convoy = convoy
        if error is not None or convoy is None:
            self.put(safe_block(f"cannot read {self.convoy_id}: {error}", "bold"))
            return
        self.put(convoy_text(convoy, colors))


def convoy_text(convoy: ConvoyStatus, colors: Mapping[str, str]) -> Text:
    text = Text(end="")
    text.append_text(safe(convoy.title, "bold"))
    text.append("\n")
    text.append(bar(convoy.fraction, 20), style=themed("$primary", colors))
    text.append(f" {convoy.closed}/{convoy.total} closed  ")
    if convoy.landed:
        text.append(f"landed {(convoy.landed_at or '')[:19]}", style=themed("$success", colors))
    elif convoy.stranded:
        text.append("STRANDED: ready work, nobody on it", style=themed("bold $error", colors))
    else:
        flying = len(convoy.in_state("working", "merging"))
        text.append(f"{flying} in flight, {len(convoy.in_state('ready'))} ready", style="dim")
    text.append("\n")
    told = convoy.notify or convoy.created_by or "nobody"
    text.append(f"created by {convoy.created_by or '-'}, tells {told} when it lands", style="dim")
    text.append("\n")
    if not convoy.members:
        text.append("\n(tracks nothing yet: gt convoy add)\n", style="dim")
    for rig, members in convoy.by_rig().items():
        closed = sum(1 for member in members if member.state == "closed")
        text.append("\n")
        text.append_text(safe(rig, "bold underline"))
        text.append(f"  {closed}/{len(members)}\n", style="dim")
        for member in members:
            mark, style = MEMBER_MARKS.get(member.state, ("?", ""))
            text.append(f" {mark} {member.state:<8} ", style=themed(style, colors))
            text.append_text(safe(member.id, "bold"))
            text.append(" ")
            text.append_text(safe(member.title))
            if member.assignee and member.state != "closed":
                text.append("  ")
                text.append_text(safe(member.assignee, "dim"))
            text.append("\n")
    return text
