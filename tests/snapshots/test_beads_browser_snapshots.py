"""Snapshots of the beads browser (`gt tui --beads`) at 80×24, 120×40 and 200×60: the open view
with the detail pane, the ready view, and an issue's full detail, on one real sample.

Deterministic: a fixed clock (readiness and the header's time), a fixed label for the source
path, a fresh cache per test. Regenerate with `pytest tests/snapshots --snapshot-update` and
look at every changed SVG before committing it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES_DIR
from textual.pilot import Pilot

from gastown_tui.core.clock import FixedClock
from gastown_tui.store.beads_mirror import locate_source
from gastown_tui.ui.beads_browser.browser_app import BeadsBrowserApp, IssueScreen
from gastown_tui.ui.widgets.keyed_table import KeyedTable

SIZES = [(80, 24), (120, 40), (200, 60)]
Compare = Callable[..., bool]


def _app(tmp_path: Path) -> BeadsBrowserApp:
    beads = tmp_path / "project" / ".beads"
    beads.mkdir(parents=True)
    shutil.copyfile(SAMPLES_DIR / "0xSaiNova__gastown_ui.jsonl", beads / "issues.jsonl")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    clock = FixedClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    return BeadsBrowserApp(locate_source(beads), env, clock, label="~/project/.beads/issues.jsonl")


async def _loaded(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, BeadsBrowserApp)
    waited = 0.0
    while app.mirror is None:
        await pilot.pause(0.05)
        waited += 0.05
        assert waited < 20, "the browser did not load"
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_open_view(snap_compare: Compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=_loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_ready_view(snap_compare: Compare, tmp_path: Path, size: tuple[int, int]) -> None:
    async def ready_view(pilot: Pilot[Any]) -> None:
        await _loaded(pilot)
        await pilot.press("2")
        await pilot.pause(0.2)

    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=ready_view)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_issue_detail(snap_compare: Compare, tmp_path: Path, size: tuple[int, int]) -> None:
    async def detail(pilot: Pilot[Any]) -> None:
        await _loaded(pilot)
        app = pilot.app
        assert app.query_one(KeyedTable).select_key("gt-mol-yrs")
        await pilot.press("enter")
        while not isinstance(app.screen, IssueScreen):
            await pilot.pause(0.05)
        await pilot.pause(0.2)

    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=detail)
