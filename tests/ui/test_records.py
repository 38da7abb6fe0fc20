"""The control room's records (issue 14), Pilot against the staged town with a record: the
agent panel's CV line, costs in the header, convoy ETAs, the convoy detail screen and landing,
the CV board (agents and models, sortable) and the seance of the selected polecat.
"""

from __future__ import annotations

from pathlib import Path

from records_town import LANDABLE, stage_records
from test_dashboard import SIZE, rendered, select
from ui_town import StagedTown, ready, until

from gastown_tui.ui.screens.convoy_detail import ConvoyDetailScreen
from gastown_tui.ui.screens.cv_board import CvBoardScreen, CvTable
from gastown_tui.ui.screens.seance_screen import SeanceScreen
from gastown_tui.ui.widgets.board_panels import ConvoyTable


def _cell(table: ConvoyTable, key: str, column: int) -> str:
    return str(table.get_cell(key, f"c{column}"))


async def test_cv_line_costs_and_convoy_eta_on_the_dashboard(
    staged: StagedTown, tmp_path: Path
) -> None:
    stage_records(staged)
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert "$1.65" in rendered(app.dashboard.query_one("#header")), "nux $1.25 + toast $0.40"
        await select(pilot, staged.ids["nux"])
        cv = rendered(app.dashboard.query_one("#agent-cv"))
        assert cv == "CV 4 tasks · 75% ok · 25% rework · p90 2h00m · strong lang:go · $1.25"
        await select(pilot, staged.ids["slit"])
        assert rendered(app.dashboard.query_one("#agent-cv")) == "CV no work on record yet · $0.00"
        convoys = app.dashboard.query_one(ConvoyTable)
        # gastown's mean hook→merge is 1h34m (5 landed), beads' 1h07m: the slower rig decides.
        assert _cell(convoys, staged.ids["convoy"], 2) == "~1h34m"
        assert _cell(convoys, staged.ids["stranded"], 2) == "STRANDED"


async def test_convoy_detail_shows_members_by_rig_and_lands(
    staged: StagedTown, tmp_path: Path
) -> None:
    stage_records(staged)
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        table = app.dashboard.query_one(ConvoyTable)
        table.focus()
        assert table.select_key(staged.ids["stranded"])
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConvoyDetailScreen)
                    and app.screen.convoy is not None, "the stranded convoy's detail")  # fmt: skip
        body = rendered(app.screen.query_one("#text-body"))
        assert "STRANDED: ready work, nobody on it" in body and "ready    ga-r1" in body
        await pilot.press("L")
        await until(pilot, lambda: any("1 open member" in n.message
                                       for n in app._notifications), "the refusal")  # fmt: skip
        await pilot.press("escape")
        table.focus()
        assert table.select_key(LANDABLE)
        await pilot.press("enter")
        screen = app.screen
        await until(pilot, lambda: isinstance(screen, ConvoyDetailScreen)
                    and screen.convoy is not None, "the landable convoy's detail")  # fmt: skip
        assert isinstance(screen, ConvoyDetailScreen)
        body = rendered(screen.query_one("#text-body"))
        assert "gastown  2/2" in body and "closed   ga-h1" in body and "closed   ga-h2" in body
        await pilot.press("L")
        await until(pilot, lambda: screen.convoy is not None and screen.convoy.landed, "landing")
        assert "landed 20" in rendered(screen.query_one("#text-body"))
        assert [e["bead"] for e in staged.events("close")][-1] == LANDABLE
        await pilot.press("escape")
        await until(pilot, lambda: _cell(table, LANDABLE, 2) == "landed", "the panel shows it")


async def test_cv_board_agents_models_and_sorting(staged: StagedTown, tmp_path: Path) -> None:
    stage_records(staged)
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("C")
        await until(pilot, lambda: isinstance(app.screen, CvBoardScreen)
                    and app.screen.records is not None, "the CV board")  # fmt: skip
        board = app.screen
        assert isinstance(board, CvBoardScreen)
        table = board.query_one(CvTable)
        names = ["beads/polecats/toast", "gastown/polecats/furiosa", "gastown/polecats/nux",
                 "gastown/polecats/slit"]  # fmt: skip
        assert table.ordered_keys() == names
        assert str(table.get_cell(names[2], "c2")) == "75%"
        assert str(table.get_cell(names[2], "c6")) == "lang:go"
        await pilot.press("o")  # name → tasks
        await until(pilot, lambda: board.sort == "tasks" and table.ordered_keys()[0] == names[2],
                    "sorted by tasks")  # fmt: skip
        await pilot.press("o")  # → success
        await until(pilot, lambda: table.ordered_keys()[:1] == [names[0]], "sorted by success")
        assert "sorted by success" in str(table.border_title)
        await pilot.press("m")
        await until(pilot, lambda: table.ordered_keys() == ["claude-sonnet-4", "claude-haiku-4"],
                    "the models, most tasks first")  # fmt: skip
        assert str(table.get_cell("claude-sonnet-4", "c1")) == "6"


async def test_seance_of_the_selected_polecat(staged: StagedTown, tmp_path: Path) -> None:
    stage_records(staged)
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await select(pilot, staged.ids["nux"])
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, SeanceScreen)
                    and app.screen.seance is not None, "the seance")  # fmt: skip
        body = rendered(app.screen.query_one("#text-body"))
        assert body.startswith("6 session(s), newest first")
        assert "zombie: the session is dead" in body
        assert "attempt 2: sent back: conflict in README.md" in body
        assert "gt done: merge request ga-h4-mr" in body
