"""The dashboard against a real town: what it shows, and every key's effect (Pilot).

Triage keys must write the right events with actor `overseer` and show at once; attach must
run the right tmux command; `N` must visit every kind of problem.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input
from ui_town import HOSTILE_TITLE, StagedTown, ready, screen_text, until

from gastown_tui.ui.app import ControlRoomApp
from gastown_tui.ui.screens.bead_detail import BeadDetailScreen
from gastown_tui.ui.screens.convoy_detail import ConvoyDetailScreen
from gastown_tui.ui.screens.cv_board import CvBoardScreen
from gastown_tui.ui.screens.help_screen import HelpScreen
from gastown_tui.ui.screens.peek import PeekScreen
from gastown_tui.ui.screens.prompts import Picker, TextPrompt
from gastown_tui.ui.widgets.agent_panel import AgentPanel
from gastown_tui.ui.widgets.board_panels import EscalationTable, RefineryTable
from gastown_tui.ui.widgets.rigs_tree import RigsTree

SIZE = (140, 44)


async def select(pilot: Pilot[Any], address: str) -> None:
    """Put the rigs tree's cursor on a polecat, as j/k would."""
    app = pilot.app
    assert isinstance(app, ControlRoomApp)
    tree = app.dashboard.query_one(RigsTree)
    tree.focus()
    await until(
        pilot,
        lambda: tree.select_address(address) and app.dashboard.selected_polecat() == address,
        f"{address} selected",
    )
    await pilot.pause(0.05)


def rendered(widget: Any) -> str:
    content = widget.render()
    return content.plain if isinstance(content, Text) else str(content)


async def test_the_dashboard_shows_the_town(staged: StagedTown, tmp_path: Path) -> None:
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        header = rendered(app.dashboard.query_one("#header"))
        assert "gastown" in header and "1 zombie" in header
        assert "1 waiting" in header, "nux asked for help about its bead: waiting for the operator"
        assert "HELP 2 (2 new)" in header and "MQ 1 (1 failed)" in header
        tree = app.dashboard.query_one(RigsTree)
        labels = [str(node.label) for rig in tree.root.children for node in rig.children]
        assert any("nux" in label and "ga-a1b2" in label for label in labels)
        assert any("furiosa" in label and "dead" in label for label in labels)
        panel = app.dashboard.query_one(AgentPanel)
        await until(pilot, lambda: panel.polecat is not None, "a polecat selected")
        await select(pilot, staged.ids["nux"])
        assert panel.polecat is not None and panel.polecat.name == "nux"
        await until(pilot, lambda: panel.pane_text is not None, "the pane preview")
        assert "....F." in (panel.pane_text or "")
        await until(pilot, lambda: panel.molecule is not None, "the molecule")
        assert panel.molecule is not None
        assert [s.state for s in panel.molecule.steps][:2] == ["done", "current"]
        escalations = app.dashboard.query_one(EscalationTable)
        assert escalations.ordered_keys() == [staged.ids["help"], staged.ids["question"]]
        refinery = app.dashboard.query_one(RefineryTable)
        assert set(refinery.ordered_keys()) == {staged.ids["mr_ok"], staged.ids["mr_bad"]}


async def test_hostile_text_renders_as_text(hostile: StagedTown, tmp_path: Path) -> None:
    app = hostile.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await select(pilot, hostile.ids["nux"])
        panel = app.dashboard.query_one(AgentPanel)
        await until(pilot, lambda: panel.pane_text is not None, "the pane preview")
        await pilot.pause(0.2)
        shot = screen_text(app)
        assert "[bold]login[/]" in HOSTILE_TITLE
        assert "Fix [bold]login[/] \\x1b[31mredirect" in shot  # markup and ANSI shown literally
        assert "[red]FAILED[/red]" in shot  # pane output too
        assert "\x1b[31m" not in shot


async def test_ack_raise_and_resolve_write_their_events(staged: StagedTown, tmp_path: Path) -> None:
    app = staged.app(tmp_path / "tui.json")
    esc = staged.ids["help"]
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.dashboard.query_one(EscalationTable).focus()
        await pilot.press("A")
        await until(pilot, lambda: staged.events("ack"), "the ack event")
        [ack] = staged.events("ack")
        assert (ack["bead"], ack["actor"], ack["data"]["by"]) == (esc, "overseer", "overseer")
        await until(
            pilot,
            lambda: app.snapshot is not None and app.snapshot.counts.unacked_help == 1,
            "the ack on screen",
        )
        await pilot.press("plus")
        await until(pilot, lambda: staged.events("raise"), "the raise event")
        assert staged.events("raise")[0]["data"]["severity"] == "CRITICAL"
        await pilot.press("x")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"restarted the db")
        await pilot.press("enter")
        await until(pilot, lambda: staged.events("resolve"), "the resolve event")
        assert staged.events("resolve")[0]["data"]["reason"] == "restarted the db"
        await until(
            pilot,
            lambda: (
                app.snapshot is not None
                and esc not in app.dashboard.query_one(EscalationTable).ordered_keys()
            ),
            "the resolved escalation gone from the board",
        )


async def test_reply_mails_the_agent_and_nudges_its_session(
    staged: StagedTown, tmp_path: Path
) -> None:
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.dashboard.query_one(EscalationTable).focus()
        await pilot.press("r")
        await pilot.press(*"use the sqlite fixture")
        await pilot.press("enter")
        await until(pilot, lambda: staged.events("reply"), "the reply event")
        [reply] = staged.events("reply")
        assert reply["data"]["to"] == staged.ids["nux"]
        assert reply["data"]["text"] == "use the sqlite fixture"
        mail = [e for e in staged.events("create") if e["bead"] == reply["data"]["message"]]
        assert mail[0]["data"]["record"]["assignee"] == staged.ids["nux"]
        assert mail[0]["data"]["record"]["description"] == "use the sqlite fixture"
        await until(pilot, lambda: staged.events("nudge"), "the nudge")
        assert "use the sqlite fixture" in staged.events("nudge")[0]["data"]["text"]
        # Answered, nux is no longer waiting for the operator: it is working again.
        await until(pilot, lambda: "1 working" in rendered(app.dashboard.query_one("#header")),
                    "nux back to working")  # fmt: skip
        assert "waiting" not in rendered(app.dashboard.query_one("#header"))


async def test_reassign_picks_a_polecat_and_reslings(staged: StagedTown, tmp_path: Path) -> None:
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.dashboard.query_one(EscalationTable).focus()
        await pilot.press("R")
        assert isinstance(app.screen, Picker)
        choices = [key for key, _ in app.screen.choices]
        assert "gastown" in choices and "beads/toast" in choices
        target = choices.index("gastown/slit")
        await pilot.press(*(["down"] * target), "enter")
        await until(pilot, lambda: staged.events("reassign"), "the reassign event")
        [event] = staged.events("reassign")
        assert event["data"]["to"] == "gastown/polecats/slit"
        assert event["actor"] == "overseer"


async def test_nudge_types_into_the_selected_polecat(staged: StagedTown, tmp_path: Path) -> None:
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await select(pilot, staged.ids["nux"])
        await pilot.press("n")
        await pilot.press(*"rebase on main")
        await pilot.press("enter")
        await until(pilot, lambda: staged.events("nudge"), "the nudge event")
        [event] = staged.events("nudge")
        assert (event["data"]["target"], event["data"]["text"]) == (
            staged.ids["nux"],
            "rebase on main",
        )
        captured = staged.town.tmux.capture(event["data"]["session"])
        assert "rebase on main" in captured


async def test_sling_picks_a_ready_bead_and_a_rig(staged: StagedTown, tmp_path: Path) -> None:
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, Picker), "the bead picker")
        beads = [key for key, _ in app.screen.choices]  # type: ignore[attr-defined]
        assert staged.ids["ready"] in beads and staged.ids["work"] not in beads
        await pilot.press(*(["down"] * beads.index(staged.ids["ready"])), "enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, Picker) and "Sling ga-r1" in app.screen.title_text,
            "the target picker",
        )
        targets = [key for key, _ in app.screen.choices]  # type: ignore[attr-defined]
        await pilot.press(*(["down"] * targets.index("gastown/slit")), "enter")
        await until(
            pilot,
            lambda: [e for e in staged.events("sling") if e["bead"] == staged.ids["ready"]],
            "the sling",
        )
        slung = next(e for e in staged.events("sling") if e["bead"] == staged.ids["ready"])
        assert (slung["actor"], slung["data"]["agent"]) == ("overseer", "gastown/polecats/slit")


async def test_next_visits_every_kind_of_problem(staged: StagedTown, tmp_path: Path) -> None:
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        visited = []
        for _ in range(6):
            await pilot.press("N")
            focused = app.focused
            key = (
                focused.selected_address()
                if isinstance(focused, RigsTree)
                else focused.selected_key()
            )  # type: ignore[union-attr]
            visited.append(key)
        assert visited == [
            staged.ids["furiosa"],
            staged.ids["help"],
            staged.ids["question"],
            staged.ids["mr_bad"],
            staged.ids["stranded"],
            staged.ids["furiosa"],
        ]


async def test_attach_runs_attach_session_or_switch_client(
    staged: StagedTown, tmp_path: Path
) -> None:
    ran: list[tuple[list[str], bool]] = []
    app = staged.app(
        tmp_path / "tui.json",
        attach_runner=lambda command, takes: ran.append((command, takes)) or 0,
    )
    socket = staged.env["GT_TMUX_SOCKET"]
    old = os.environ.get("TMUX")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await select(pilot, staged.ids["nux"])
        os.environ["TMUX"] = f"/tmp/tmux-0/{socket},123,0"  # inside the town's own server
        try:
            await pilot.press("a")
        finally:
            if old is None:
                os.environ.pop("TMUX", None)
            else:
                os.environ["TMUX"] = old
        assert ran == [(["tmux", "-L", socket, "switch-client", "-t", "=ga-nux"], False)]
        await pilot.press("a")  # not inside: suspend and attach (headless cannot suspend)
        assert app.attached[-1] == ["tmux", "-L", socket, "attach-session", "-t", "=ga-nux"]


async def test_peek_follows_the_pane_and_escape_comes_back(
    staged: StagedTown, tmp_path: Path
) -> None:
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await select(pilot, staged.ids["nux"])
        await pilot.press("v")
        assert isinstance(app.screen, PeekScreen)
        peek = app.screen
        await until(pilot, lambda: peek.text is not None and "FAILED" in peek.text, "the pane")
        staged.town.tmux.send_text(peek.session, "echo more output")
        staged.town.tmux.send_enter(peek.session)
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_enter_opens_the_bead_and_escape_goes_back(
    staged: StagedTown, tmp_path: Path
) -> None:
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await select(pilot, staged.ids["nux"])
        app.dashboard.query_one(RigsTree).focus()
        await pilot.press("enter")
        assert isinstance(app.screen, BeadDetailScreen)
        detail_screen = app.screen
        await until(pilot, lambda: detail_screen.detail is not None, "the detail")
        assert detail_screen.detail is not None
        assert detail_screen.detail.bead.id == staged.ids["work"]
        assert any(link.id == staged.ids["convoy"] for link in detail_screen.detail.dependents)
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_help_palette_and_footer_come_from_one_registry(
    staged: StagedTown, tmp_path: Path
) -> None:
    from gastown_tui.ui.key_registry import ALL_KEYS

    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screens = [*ConvoyDetailScreen.BINDINGS, *CvBoardScreen.BINDINGS]  # their own keys
        own = {b.id for b in [*app.BINDINGS, *app.dashboard.BINDINGS, *screens]}  # type: ignore[union-attr]
        assert {spec.id for spec in ALL_KEYS} == own - {None}
        await until(pilot, lambda: "attach" in screen_text(app).splitlines()[-1], "the footer")
        footer = screen_text(app).splitlines()[-1]
        mine = [spec for spec in ALL_KEYS if spec.id.startswith(("dash.", "app."))]
        missing = [spec.label for spec in mine if spec.show and spec.label not in footer]
        assert missing == [], footer
        commands = {command.help for command in app.get_system_commands(app.screen)}
        assert {spec.help for spec in ALL_KEYS if spec.palette} <= commands
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shot = screen_text(app)
        assert "Acknowledge the selected escalation" in shot
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_theme_cycles_and_is_remembered(staged: StagedTown, tmp_path: Path) -> None:
    settings = tmp_path / "tui.json"
    app = staged.app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.theme == "gastown"
        await pilot.press("t")
        assert app.theme == "daylight"
    again = staged.app(settings)
    async with again.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert again.theme == "daylight"


async def test_tmux_down_shows_a_banner_not_all_clear(staged: StagedTown, tmp_path: Path) -> None:
    staged.town.tmux.kill_server()
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        header = rendered(app.dashboard.query_one("#header"))
        assert "DEGRADED" in header and "tmux: server down" in header
        assert "? 3 unknown" in header  # the hooked polecats: nobody can tell if they run


async def test_the_prompt_refuses_empty_text(staged: StagedTown, tmp_path: Path) -> None:
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.dashboard.query_one(EscalationTable).focus()
        await pilot.press("x")
        await pilot.press("enter")
        assert isinstance(app.screen, TextPrompt)  # still asking
        assert app.screen.query_one(Input).value == ""
        await pilot.press("escape")
        assert app.screen is app.dashboard
        assert staged.events("resolve") == []
