"""Snapshots of every screen of the control room at 80×24, 120×40 and 200×60 (pytest-textual-
snapshot), on the staged town: the dashboard, its degraded states (tmux down, log unreadable,
projection rebuilding, a runtime missing), hostile text, and the other screens.

Deterministic by construction: a fixed clock, seeded ids, panes that print fixed text, the
default theme, no animation. Regenerate deliberately with `pytest tests/snapshots
--snapshot-update` and look at every changed SVG before committing it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from town_fixtures import town_env
from ui_town import StagedTown, stage_town

from gastown_tui.ui.app import ControlRoomApp
from gastown_tui.ui.messages import RebuildProgress
from gastown_tui.ui.widgets.agent_panel import AgentPanel
from gastown_tui.ui.widgets.board_panels import EscalationTable
from gastown_tui.ui.widgets.feed_view import FeedView
from gastown_tui.ui.widgets.rigs_tree import RigsTree

SIZES = [(80, 24), (120, 40), (200, 60)]
SCREENS = [
    "help",
    "bead_detail",
    "peek",
    "resolve_prompt",
    "reassign_picker",
    "feed_filter",
    "feed_filtered",
]
Compare = Callable[..., bool]


async def _until(pilot: Pilot[Any], check: Callable[[], bool], timeout: float = 20.0) -> None:
    waited = 0.0
    while not check():
        await pilot.pause(0.05)
        waited += 0.05
        if waited > timeout:
            raise AssertionError("the app did not settle")


async def settled(pilot: Pilot[Any], *, polecat: str | None = "gastown/polecats/nux") -> None:
    """Wait until every panel shows what it will show: a snapshot, the selected polecat's
    molecule and pane, and no pending worker."""
    app = pilot.app
    assert isinstance(app, ControlRoomApp)
    await _until(pilot, lambda: app.snapshot is not None)
    if polecat is not None and app.snapshot is not None and app.snapshot.polecat(polecat):
        tree = app.dashboard.query_one(RigsTree)
        await _until(
            pilot,
            lambda: tree.select_address(polecat) and app.dashboard.selected_polecat() == polecat,
        )
        panel = app.dashboard.query_one(AgentPanel)
        await _until(pilot, lambda: panel.molecule is not None or panel.molecule_error is not None)
        shown = panel.display  # hidden on narrow screens: nothing is captured for it
        if shown and panel.polecat is not None and panel.polecat.session is not None:
            await _until(pilot, lambda: panel.pane_text is not None)
    app.dashboard.query_one(RigsTree).focus()
    await pilot.pause(0.3)


def _app(staged: StagedTown, tmp_path: Path) -> ControlRoomApp:
    return staged.app(tmp_path / "tui.json", tick=3600.0)  # no tick during the capture


Towns = Callable[[str], StagedTown]


@pytest.fixture(scope="module")
def towns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Towns]:
    """Staged towns shared by the snapshots of a module (staging takes seconds; most snapshots
    only read). One per kind: a test that breaks its town (tmux down, an unreadable log, a
    missing runtime) gets a town of that kind to itself."""
    made: dict[str, StagedTown] = {}
    tmux_dir = Path(tempfile.mkdtemp(prefix="gtx", dir="/tmp"))
    saved = dict(os.environ)

    def town(kind: str) -> StagedTown:
        if kind not in made:
            folder = tmp_path_factory.mktemp(kind)
            (folder / "home").mkdir()
            env = town_env(folder / "home", tmux_dir)
            os.environ.update(env)  # the engine's tmux and git calls read the process env
            made[kind] = stage_town(folder, env, hostile=kind == "hostile")
        os.environ.update(made[kind].env)
        return made[kind]

    yield town
    for staged in made.values():
        staged.town.tmux.kill_server()
        staged.town.close()
    os.environ.clear()
    os.environ.update(saved)
    shutil.rmtree(tmux_dir, ignore_errors=True)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard(
    snap_compare: Compare, towns: Towns, tmp_path: Path, size: tuple[int, int]
) -> None:
    staged = towns("main")
    assert snap_compare(_app(staged, tmp_path), terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_hostile_text(
    snap_compare: Compare, towns: Towns, tmp_path: Path, size: tuple[int, int]
) -> None:
    hostile = towns("hostile")
    assert snap_compare(_app(hostile, tmp_path), terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_tmux_down(
    snap_compare: Compare, towns: Towns, tmp_path: Path, size: tuple[int, int]
) -> None:
    staged = towns("tmux_down")
    staged.town.tmux.kill_server()
    assert snap_compare(_app(staged, tmp_path), terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_log_unreadable(
    snap_compare: Compare, towns: Towns, tmp_path: Path, size: tuple[int, int]
) -> None:
    staged = towns("log_unreadable")
    log = staged.town.paths.beads / "events.jsonl"
    staged.town.store.projection.catch_up()
    staged.town.close()
    saved = tmp_path / "events.saved"
    shutil.move(log, saved)
    log.mkdir()  # open() fails as for an unreadable file, even as root
    try:
        assert snap_compare(_app(staged, tmp_path), terminal_size=size, run_before=settled)
    finally:
        log.rmdir()
        shutil.move(saved, log)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_projection_rebuilding(
    snap_compare: Compare, towns: Towns, tmp_path: Path, size: tuple[int, int]
) -> None:
    staged = towns("main")

    async def rebuilding(pilot: Pilot[Any]) -> None:
        await settled(pilot)
        # A snapshot arriving later would replace the progress (the follower wakes on any file
        # in .beads/): stop it, let anything in flight land, then report the rebuild.
        pilot.app.follower.close()
        await pilot.pause(0.3)
        pilot.app.post_message(RebuildProgress(45, 100))  # as the follower reports a rebuild
        await pilot.pause(0.2)

    assert snap_compare(_app(staged, tmp_path), terminal_size=size, run_before=rebuilding)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_runtime_missing(
    snap_compare: Compare, towns: Towns, tmp_path: Path, size: tuple[int, int]
) -> None:
    staged = towns("runtime_missing")
    rig_toml = staged.town.paths.rig_toml("beads")
    rig_toml.write_text(rig_toml.read_text().replace('runtime = "sim"', 'runtime = "claude"'))
    staged.env["PATH"] = os.pathsep.join(
        part
        for part in staged.env["PATH"].split(os.pathsep)
        if not (Path(part) / "claude").exists()
    )
    assert snap_compare(_app(staged, tmp_path), terminal_size=size, run_before=settled)


def _then(
    *keys: str, before: Callable[[Pilot[Any]], Awaitable[None]] = settled, wait: float = 0.5
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await before(pilot)
        await pilot.press(*keys)
        await pilot.pause(wait)

    return run


async def _on_feed(pilot: Pilot[Any]) -> None:
    await settled(pilot)
    app = pilot.app
    assert isinstance(app, ControlRoomApp)
    app.dashboard.query_one(FeedView).focus()
    await pilot.pause(0.1)


async def _on_escalations(pilot: Pilot[Any]) -> None:
    await settled(pilot)
    app = pilot.app
    assert isinstance(app, ControlRoomApp)
    app.dashboard.query_one(EscalationTable).focus()
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(
    "screen",
    SCREENS,
)
def test_screen(
    snap_compare: Compare, towns: Towns, tmp_path: Path, size: tuple[int, int], screen: str
) -> None:
    staged = towns("main")
    steps = {
        "help": _then("question_mark"),
        "bead_detail": _then("enter", wait=1.0),
        "peek": _then("v", wait=1.0),
        "resolve_prompt": _then("x", before=_on_escalations),
        "reassign_picker": _then("R", before=_on_escalations),
        "feed_filter": _then("slash"),
        "feed_filtered": _then("slash", *"type:sling", "enter", "j", before=_on_feed, wait=1.0),
    }
    assert snap_compare(_app(staged, tmp_path), terminal_size=size, run_before=steps[screen])
