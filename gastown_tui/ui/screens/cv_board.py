"""`CvBoardScreen`: every agent's CV side by side — or every model's, so models can be compared
on the same kind of work — sortable by each figure (`m` agents/models, `o` next sort)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from gastown_tui.core.cv_figures import CvRecord, percent, short_duration
from gastown_tui.town.cv.agent_cvs import BOARD_SORTS, BY_AGENT
from gastown_tui.town.read_model.record_views import agent_view
from gastown_tui.ui.display import safe, themed
from gastown_tui.ui.key_registry import CV_BOARD_KEYS, bindings
from gastown_tui.ui.widgets.keyed_table import KeyedTable, Row

FLAG_MARKS = {"three failures in a row": "3✗", "rising rework": "rework↑"}


class CvTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        columns = [("name", None), ("tasks", 5), ("ok", 4), ("rework", 6), ("mean", 6),
                   ("p90", 6), ("strong at", 14), ("flags", 10)]  # fmt: skip
        super().__init__(columns, **kwargs)


class CvBoardScreen(Screen[None]):
    DEFAULT_CSS = """
    CvBoardScreen { layout: vertical; }
    CvBoardScreen > CvTable { height: 1fr; border: round $primary; background: $background; }
    CvBoardScreen > #cv-note { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *bindings(CV_BOARD_KEYS),
        Binding("escape", "app.close_screen", "back"),
    ]

    def __init__(self, by: str = BY_AGENT, sort: str = "name") -> None:
        super().__init__()
        self.by = by
        self.sort = sort
        self.records: list[CvRecord] | None = None

    def compose(self) -> ComposeResult:
        yield CvTable(id="cv-table")
        yield Static(id="cv-note")
        yield Footer()

    def on_mount(self) -> None:
        self._title()
        self.query_one(CvTable).focus()

    def next_sort(self) -> None:
        names = list(BOARD_SORTS)
        self.sort = names[(names.index(self.sort) + 1) % len(names)]

    def _title(self) -> None:
        kind = "agents" if self.by == BY_AGENT else "models"
        self.query_one(CvTable).border_title = f"CV board · {kind} · sorted by {self.sort}"

    def show(self, records: list[CvRecord] | None, colors: Mapping[str, str],
             error: str | None = None) -> None:  # fmt: skip
        self._title()
        note = self.query_one("#cv-note", Static)
        if error is not None or records is None:
            note.update(safe(f"cannot read the CVs: {error}", "bold"))
            return
        self.records = records
        self.query_one(CvTable).sync(cv_rows(records, self.by, colors))
        note.update(Text(
            "ok = landed without rework, of finished tasks · mean/p90 = hook to merge · "
            "strong at = labels it does best, with evidence", style="dim"))  # fmt: skip


def cv_rows(records: list[CvRecord], by: str, colors: Mapping[str, str]) -> list[Row]:
    rows: list[Row] = []
    for record in records:
        figures = record.figures
        name = record.key
        if by == BY_AGENT and "/polecats/" in name:
            name = name.replace("/polecats/", "/")
        flags = " ".join(FLAG_MARKS.get(flag, flag) for flag in record.flags)
        strong = ", ".join(agent_view(record, 0.0).strengths) or "–"
        rows.append((record.key, (
            safe(name, "bold" if figures.tasks else "dim"), Text(str(figures.tasks)),
            Text(percent(figures.success_rate)), Text(percent(figures.rework_rate)),
            Text(short_duration(figures.mean_hook_to_merge)),
            Text(short_duration(figures.p90_hook_to_merge)), safe(strong),
            Text(flags, style=themed("bold $error", colors) if flags else ""),
        )))  # fmt: skip
    return rows
