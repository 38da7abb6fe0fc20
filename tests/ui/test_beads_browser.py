"""The beads browser (`gt tui --beads`) on a real sample in tmp_path (Pilot): views, filter,
detail with dependencies, the live tail of a rewrite by atomic rename, hostile text, and the
command line's refusal of a path without beads data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import SAMPLES_DIR, BdRunner, clean_env
from textual.pilot import Pilot
from textual.widgets import Input
from ui_town import screen_text, until

from gastown_tui.store.beads_mirror import locate_source
from gastown_tui.ui.beads_browser.browser_app import BeadsBrowserApp, IssueScreen
from gastown_tui.ui.key_registry import BROWSER_KEYS
from gastown_tui.ui.screens.help_screen import HelpScreen
from gastown_tui.ui.widgets.keyed_table import KeyedTable

SAMPLE = SAMPLES_DIR / "0xSaiNova__gastown_ui.jsonl"
SIZE = (140, 44)


def browser(tmp_path: Path, sample: Path = SAMPLE) -> tuple[BeadsBrowserApp, Path]:
    beads = tmp_path / "project" / ".beads"
    beads.mkdir(parents=True)
    shutil.copyfile(sample, beads / "issues.jsonl")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    return BeadsBrowserApp(locate_source(beads.parent), env), beads / "issues.jsonl"


async def loaded(pilot: Pilot[Any]) -> BeadsBrowserApp:
    app = pilot.app
    assert isinstance(app, BeadsBrowserApp)
    await until(pilot, lambda: app.mirror is not None, "the first view")
    await pilot.pause()
    return app


def shown(app: BeadsBrowserApp) -> list[str]:
    return app.query_one(KeyedTable).ordered_keys()


def records_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


async def test_the_views_switch_and_narrow(tmp_path: Path) -> None:
    app, _ = browser(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.mirror is not None
        seen = {}
        for key, view in (("4", "all"), ("2", "ready"), ("3", "blocked"), ("1", "open")):
            await pilot.press(key)
            await pilot.pause()
            seen[view] = set(shown(app))
            assert app.current_view == view
        rows = {row.id: row for row in app.mirror.rows}
    assert len(seen["all"]) == 57
    assert seen["ready"] and seen["ready"] < seen["open"] < seen["all"]
    assert seen["blocked"] < seen["open"]
    assert not seen["ready"] & seen["blocked"]
    assert all(rows[bead].status != "closed" for bead in seen["open"])


async def test_the_filter_narrows_and_escape_clears_it(tmp_path: Path) -> None:
    app, _ = browser(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("4")
        everything = shown(app)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"polish")
        await pilot.pause()
        narrowed = shown(app)
        assert app.mirror is not None
        titles = [app.mirror.details[bead].row.title for bead in narrowed]
        assert "filter: polish" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        restored = shown(app)
    assert 0 < len(narrowed) < len(everything)
    assert all("polish" in title.lower() for title in titles)
    assert restored == everything


async def test_enter_opens_the_detail_with_dependencies_both_ways(tmp_path: Path) -> None:
    app, _ = browser(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        table = app.query_one(KeyedTable)
        assert table.select_key("gt-mol-3p4")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, IssueScreen), "the issue screen")
        child = screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, IssueScreen)
        assert table.select_key("gt-mol-qd4")
        await pilot.pause()
        pane = screen_text(app)  # the side pane follows the cursor
    assert "Test Mobile: Sheet Navigation Component" in child
    assert "parent-child gt-mol-qd4 [hooked] shiny" in child
    assert "Dependents" in pane and "gt-mol-3p4 [open] Test" in pane


async def test_the_live_tail_shows_a_rewrite_by_atomic_rename(tmp_path: Path) -> None:
    app, issues = browser(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        records = records_of(issues)
        target = next(r for r in records if r["id"] == "gt-mol-3p4")
        gone = next(r for r in records if r["id"] == "gt-mol-1f0")
        target["status"] = "closed"
        staged = issues.with_name("issues.jsonl.new")
        staged.write_text("".join(json.dumps(r) + "\n" for r in records if r is not gone), "utf-8")
        os.replace(staged, issues)
        await until(pilot, lambda: len(app.tail) >= 2, "the tail lines of the rewrite")
        await pilot.pause()
        lines = [line for _, line in app.tail]
        text = screen_text(app)
        open_now = shown(app)
    assert set(lines) == {"gt-mol-3p4 status open → closed", "gt-mol-1f0 removed"}
    assert "gt-mol-1f0 removed" in text
    assert "gt-mol-3p4" not in open_now and "gt-mol-1f0" not in open_now


async def test_our_own_store_is_followed_as_bd_writes_it(bd: BdRunner, tmp_path: Path) -> None:
    bd("create", "the base", "--id", "t-base")
    bd("create", "waits for the base", "--id", "t-top", "--deps", "t-base")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    app = BeadsBrowserApp(locate_source(bd.cwd), env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("3")
        await pilot.pause()
        blocked_before = shown(app)
        bd("close", "t-base")
        await until(pilot, lambda: len(app.tail) == 1, "the close in the tail")
        await pilot.press("2")
        await pilot.pause()
        ready_after = shown(app)
    assert blocked_before == ["t-top"]
    assert [line for _, line in app.tail] == ["t-base status open → closed"]
    assert ready_after == ["t-top"]


async def test_hostile_text_renders_as_text(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.jsonl"
    record = {
        "id": "bd-evil",
        "title": "[bold red]markup[/] \x1b[31mred\x1b[0m 漢字",
        "description": "[link=http://x]click[/link]",
        "status": "open",
    }
    hostile.write_text(json.dumps(record) + "\n", "utf-8")
    app, _ = browser(tmp_path, hostile)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, IssueScreen), "the issue screen")
        text = screen_text(app)
    assert "[bold red]markup[/] \\x1b[31mred\\x1b[0m 漢字" in text
    assert "[link=http://x]click[/link]" in text


async def test_unreadable_lines_and_a_missing_file_are_said(tmp_path: Path) -> None:
    app, issues = browser(tmp_path)
    with issues.open("a", encoding="utf-8") as log:
        log.write("{torn\n")
    broken = len(SAMPLE.read_text("utf-8").splitlines()) + 1
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        told = screen_text(app)
        tail = [line for _, line in app.tail]
        saved = issues.read_bytes()
        issues.unlink()
        await until(pilot, lambda: not app.live, "the stale state")
        await pilot.pause()
        stale = screen_text(app)
        rows_while_stale = len(shown(app))
        issues.write_bytes(saved)
        await until(pilot, lambda: app.live, "live again")
    assert "⚠ 1 unreadable" in told
    assert tail[0].startswith(f"⚠ skipped {issues}:{broken}: invalid JSON")
    assert "⚠ skipped" in told
    assert "○ stale since" in stale and "cannot read" in stale
    assert rows_while_stale == 19  # the last good view stays, marked stale, never emptied


async def test_a_mirror_that_cannot_open_says_why(tmp_path: Path) -> None:
    app, _ = browser(tmp_path)
    (tmp_path / "cache").write_text("a file where the cache directory should be", "utf-8")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.error is not None, "the error")
        await pilot.pause()
        text = screen_text(app)
        error = app.error
    assert app.mirror is None
    assert error is not None
    assert error.startswith(f"{tmp_path / 'project/.beads/issues.jsonl'}: [Errno 20] Not a dir")
    assert "[Errno 20] Not a directory" in text


async def test_help_lists_every_browser_key(tmp_path: Path) -> None:
    app, _ = browser(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        text = screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        back = app.screen
        commands = list(app.get_system_commands(app.screen))
        palette = [command.help for command in commands]
        await pilot.press("3")  # a palette command runs the same action as its key
        next(c for c in commands if c.help.startswith("Show the ready queue")).callback()
        await pilot.pause()
        view = app.current_view
    assert all(spec.help[:40] in text for spec in BROWSER_KEYS)
    assert not isinstance(back, HelpScreen)
    assert palette == [spec.help for spec in BROWSER_KEYS if spec.palette]
    assert view == "ready"


def test_gt_tui_beads_refuses_a_path_without_beads_data(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    command = [sys.executable, "-m", "gastown_tui.cli.gt_main", "tui", "--beads", "empty"]
    done = subprocess.run(
        command, cwd=tmp_path, env=clean_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert f"{tmp_path / 'empty'}: no beads data here" in done.stderr
    assert os.listdir(tmp_path / "empty") == []
