"""The control room's record screens (issue 14): convoy detail (and landing), the CV board, the
seance of the selected polecat. `RecordScreensApp` is the part of the app that opens them and
reads what they show, each read an engine call in a worker thread, as for every other screen;
`ControlRoomApp` builds on it.
"""

from __future__ import annotations

from textual import work
from textual.app import App

from gastown_tui.town.convoys.convoy_changes import land_convoy
from gastown_tui.town.convoys.convoys import convoy_status
from gastown_tui.town.cv.agent_cvs import BY_AGENT, BY_MODEL, cv_board
from gastown_tui.town.seance.sessions import agent_seance
from gastown_tui.town.town import TownError
from gastown_tui.ui.engine_session import OVERSEER, EngineSession
from gastown_tui.ui.messages import ActionDone
from gastown_tui.ui.screens.convoy_detail import ConvoyDetailScreen
from gastown_tui.ui.screens.cv_board import CvBoardScreen
from gastown_tui.ui.screens.dashboard import DashboardScreen
from gastown_tui.ui.screens.seance_screen import SeanceScreen


class RecordScreensApp(App[int]):
    session: EngineSession
    dashboard: DashboardScreen

    # -- convoys ------------------------------------------------------------------------------

    def open_convoy(self, convoy_id: str) -> None:
        screen = ConvoyDetailScreen(convoy_id)
        self.push_screen(screen)
        self._load_convoy(screen)

    @work(thread=True, group="records", exit_on_error=False)
    def _load_convoy(self, screen: ConvoyDetailScreen) -> None:
        try:
            with self.session.town() as town:
                status = convoy_status(town, screen.convoy_id)
        except Exception as error:  # shown on the screen, never a crash
            self.call_from_thread(screen.show, None, self.get_css_variables(), str(error))
            return
        self.call_from_thread(screen.show, status, self.get_css_variables())

    def action_land_convoy(self) -> None:
        screen = self.screen
        if isinstance(screen, ConvoyDetailScreen):
            convoy: str | None = screen.convoy_id
        else:
            kind, convoy = self.dashboard.focused_key()
            convoy = convoy if kind == "convoy" else None
        if convoy is None:
            self.notify("Select a convoy first (the Convoys panel, or open one)",
                        severity="warning")  # fmt: skip
            return
        self._land(convoy, screen if isinstance(screen, ConvoyDetailScreen) else None)

    @work(thread=True, group="engine", exit_on_error=False)
    def _land(self, convoy: str, screen: ConvoyDetailScreen | None) -> None:
        try:
            with self.session.town() as town:
                result = land_convoy(town, convoy, actor=OVERSEER)
        except (TownError, OSError) as error:
            self.post_message(ActionDone(str(error), ok=False))
            return
        told = f"; told {result.notified}" if result.notified else ""
        said = f"{convoy} landed{told}" if result.landed else f"{convoy} had landed already"
        self.post_message(ActionDone(said))
        if screen is not None:
            self.call_from_thread(screen.show, result.convoy, self.get_css_variables())

    # -- CV board -----------------------------------------------------------------------------

    def action_cv_board(self) -> None:
        if isinstance(self.screen, CvBoardScreen):
            return
        screen = CvBoardScreen()
        self.push_screen(screen)
        self._load_board(screen)

    def action_cv_board_by(self) -> None:
        screen = self.screen
        if not isinstance(screen, CvBoardScreen):
            self.action_cv_board()
            return
        screen.by = BY_MODEL if screen.by == BY_AGENT else BY_AGENT
        screen.sort = "name" if screen.by == BY_AGENT else "tasks"
        self._load_board(screen)

    def action_cv_board_sort(self) -> None:
        screen = self.screen
        if not isinstance(screen, CvBoardScreen):
            self.action_cv_board()
            return
        screen.next_sort()
        self._load_board(screen)

    @work(thread=True, group="records", exit_on_error=False)
    def _load_board(self, screen: CvBoardScreen) -> None:
        by, sort = screen.by, screen.sort
        try:
            with self.session.town() as town:
                records = cv_board(town, by=by, sort=sort)
        except Exception as error:  # shown on the screen, never a crash
            self.call_from_thread(screen.show, None, self.get_css_variables(), str(error))
            return
        if (screen.by, screen.sort) == (by, sort):  # not overtaken by another key press
            self.call_from_thread(screen.show, records, self.get_css_variables())

    # -- seance -------------------------------------------------------------------------------

    def action_seance(self) -> None:
        address = self.dashboard.selected_polecat()
        if address is None:
            self.notify("Select a polecat first", severity="warning")
            return
        screen = SeanceScreen(address)
        self.push_screen(screen)
        self._load_seance(screen)

    @work(thread=True, group="records", exit_on_error=False)
    def _load_seance(self, screen: SeanceScreen) -> None:
        try:
            with self.session.town() as town:
                seance = agent_seance(town.store, screen.agent)
        except Exception as error:  # shown on the screen, never a crash
            self.call_from_thread(screen.show, None, self.get_css_variables(), str(error))
            return
        self.call_from_thread(screen.show, seance, self.get_css_variables())
