"""`BeadsBrowserApp`: a read-only browser of any beads directory (`gt tui --beads DIR`).

The follower thread owns the mirror and posts immutable `MirrorView`s; this app only shows
them: a header (source, read-only, counts, problems, live/stale), the issues table in one of
four views (open, ready, blocked, all) narrowed by a text filter, the selected issue's detail
beside it (on wide terminals) or full screen (Enter), and a live tail of the changes seen since
opening. Keys come from `BROWSER_KEYS` (footer, help and palette).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from gastown_tui.core.clock import Clock, SystemClock
from gastown_tui.store.beads_mirror import BeadsSource
from gastown_tui.store.beads_mirror_view import VIEWS, IssueDetail, MirrorView
from gastown_tui.ui.beads_browser.issue_text import (
    COLUMNS,
    header_text,
    issue_text,
    row_cells,
    tail_text,
)
from gastown_tui.ui.beads_browser.mirror_follower import (
    MirrorFailed,
    MirrorFollower,
    MirrorProgress,
    MirrorUpdated,
)
from gastown_tui.ui.key_registry import BROWSER_KEYS, bindings
from gastown_tui.ui.screens.help_screen import HelpScreen, help_text
from gastown_tui.ui.theme_loader import load_themes
from gastown_tui.ui.widgets.keyed_table import KeyedTable

TAIL_KEPT = 200  # tail lines remembered (the newest are shown)
NARROW = 110  # columns under which the detail pane gives its room to the table

CSS = """
#browser-header { height: 2; padding: 0 1; background: $panel; }
#views { height: 1; padding: 0 1; }
#filter { display: none; height: 3; }
#filter.shown { display: block; }
#browser-main { height: 1fr; }
#issues { width: 3fr; border: round $secondary; background: $background; }
#issues:focus { border: round $accent; }
#detail-pane { width: 2fr; border: round $secondary; padding: 0 1; }
#tail { height: 7; border: round $secondary; padding: 0 1; }
Screen.narrow #detail-pane { display: none; }
Screen.short #tail { height: 4; }
"""


class IssueScreen(Screen[None]):
    """One issue, full screen: fields, description, dependencies both ways, comments."""

    DEFAULT_CSS = "IssueScreen > VerticalScroll { padding: 0 1; border: round $primary; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.leave", "back"),
        Binding("j", "scroll_down", show=False),
        Binding("k", "scroll_up", show=False),
    ]

    def __init__(self, detail: IssueDetail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="issue-scroll"):
            yield Static(issue_text(self.detail), id="issue-body")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).border_title = Text(self.detail.row.id)

    def action_scroll_down(self) -> None:
        self.query_one(VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one(VerticalScroll).scroll_up()


class BrowserHelpScreen(HelpScreen):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(help_text(BROWSER_KEYS))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).border_title = "beads browser · help"


class BeadsBrowserApp(App[int]):
    CSS = CSS
    BINDINGS = bindings(BROWSER_KEYS)  # type: ignore[assignment]
    TITLE = "Gas Town · beads"

    def __init__(
        self,
        source: BeadsSource,
        environ: Mapping[str, str],
        clock: Clock | None = None,
        label: str | None = None,
    ) -> None:
        super().__init__()
        self.source = source
        self.label = label or str(source.file)
        self.clock = clock or SystemClock()
        self.stop_event = threading.Event()
        self.follower = MirrorFollower(
            source, environ, self.clock, self.post_message, self.stop_event
        )
        self.mirror: MirrorView | None = None
        self.current_view = "open"
        self.needle = ""
        self.tail: deque[tuple[str, str]] = deque(maxlen=TAIL_KEPT)
        self.live = False
        self.seen_at = ""
        self.error: str | None = None
        self._problems_told: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Static(self._header(), id="browser-header")
        yield Static(self._views_text(), id="views")
        yield Input(placeholder="filter: text in id, title, status, type, label", id="filter")
        with Horizontal(id="browser-main"):
            yield KeyedTable(COLUMNS, id="issues")
            with VerticalScroll(id="detail-pane"):
                yield Static(Text("no issue selected", style="dim"), id="detail-body")
        yield Static(tail_text([]), id="tail")
        yield Footer()

    def on_mount(self) -> None:
        loaded = load_themes()
        for theme in loaded.themes:
            self.register_theme(theme)
        if loaded.themes:
            self.theme = loaded.themes[0].name
        self.query_one("#tail").border_title = "live tail (newest first)"
        self.query_one("#detail-pane").border_title = "detail"
        self.query_one(KeyedTable).focus()
        self._fit(self.size.width, self.size.height)
        self.run_worker(self.follower.run, thread=True, exit_on_error=False, name="beads-follower")

    def on_unmount(self) -> None:
        self.follower.close()

    def on_resize(self, event: Any) -> None:
        self._fit(event.size.width, event.size.height)

    def _fit(self, width: int, height: int) -> None:
        self.screen.set_class(width < NARROW, "narrow")
        self.screen.set_class(height < 30, "short")

    # -- data in ------------------------------------------------------------------------------

    def on_mirror_updated(self, message: MirrorUpdated) -> None:
        self.mirror = message.view
        self.live = message.live
        self.seen_at = message.seen_at
        for line in message.tail:
            self.tail.appendleft((message.seen_at, line))
        for problem in message.view.problems:  # unreadable lines: said once, where they are
            if problem not in self._problems_told:
                self._problems_told.add(problem)
                self.tail.appendleft((message.seen_at, f"⚠ skipped {problem}"))
        self._show()

    def on_mirror_progress(self, message: MirrorProgress) -> None:
        if self.mirror is None and message.total and self.query("#browser-header"):
            share = 100 * message.done // message.total
            header = self._header()
            header.append(f"  building the projection in the cache: {share}%", style="bold")
            self.query_one("#browser-header", Static).update(header)

    def on_mirror_failed(self, message: MirrorFailed) -> None:
        self.error = message.error
        self._show()

    def _show(self) -> None:
        if not self.query("#issues"):
            return  # shutting down
        self.query_one("#browser-header", Static).update(self._header())
        self.query_one("#views", Static).update(self._views_text())
        self.query_one("#tail", Static).update(tail_text(list(self.tail)[:20]))
        table = self.query_one(KeyedTable)
        rows = self.mirror.visible(self.current_view, self.needle) if self.mirror else ()
        table.sync([(row.id, row_cells(row)) for row in rows])
        table.border_title = f"{self.current_view} · {len(rows)}"
        self._show_detail(table.selected_key())

    def _header(self) -> Text:
        return header_text(
            self.label, self.mirror, live=self.live, seen_at=self.seen_at, error=self.error
        )

    def _views_text(self) -> Text:
        text = Text(end="", no_wrap=True)
        for number, name in enumerate(VIEWS, 1):
            count = f" {self.mirror.count(name)}" if self.mirror else ""
            style = "bold reverse" if name == self.current_view else "dim"
            text.append(f" {number} {name}{count} ", style=style)
            text.append(" ")
        if self.needle:
            text.append(" filter: ", style="dim")
            text.append(self.needle, style="bold")
        text.append("  ● ready  ⊘ blocked", style="dim")
        return text

    def _show_detail(self, bead_id: str | None) -> None:
        detail = self.mirror.details.get(bead_id) if self.mirror and bead_id else None
        if detail is not None:
            body = issue_text(detail)
        elif self.mirror is None:
            body = Text("opening…", style="dim")
        else:
            where = f" matching {self.needle!r}" if self.needle else ""
            body = Text(f"no {self.current_view} issues{where}", style="dim")
        self.query_one("#detail-body", Static).update(body)

    def on_keyed_table_row_chosen(self, message: KeyedTable.RowChosen) -> None:
        if self.query("#detail-body"):
            self._show_detail(message.key)

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        self.action_open_issue()

    # -- keys ---------------------------------------------------------------------------------

    def action_view(self, name: str) -> None:
        if name in VIEWS:
            self.current_view = name
            self._show()

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.add_class("shown")
        field.focus()

    def on_input_changed(self, message: Input.Changed) -> None:
        self.needle = message.value.strip()
        self._show()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        self.query_one(KeyedTable).focus()

    def action_open_issue(self) -> None:
        key = self.query_one(KeyedTable).selected_key()
        detail = self.mirror.details.get(key) if self.mirror and key else None
        if detail is not None:
            self.push_screen(IssueScreen(detail))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(BrowserHelpScreen())

    def action_leave(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()
            return
        field = self.query_one("#filter", Input)
        if field.has_class("shown"):
            field.remove_class("shown")
            field.value = ""
            self.needle = ""
            self.query_one(KeyedTable).focus()
            self._show()

    def action_close_screen(self) -> None:  # the help screen's Escape
        self.action_leave()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for spec in BROWSER_KEYS:
            if spec.palette:
                action = spec.action

                def run(action: str = action) -> None:
                    self.call_later(self.run_action, action)

                yield SystemCommand(spec.help.split(":")[0], spec.help, run)
