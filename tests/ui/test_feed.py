"""The feed in the running app (Pilot, a real staged town): newest first, filters narrow it,
a write by another process shows at the top, truncation and replacement of the log are
survived, and Enter opens the bead of the selected event."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ui_town import StagedTown, ready, until

from gastown_tui.ui.screens.bead_detail import BeadDetailScreen
from gastown_tui.ui.screens.prompts import TextPrompt
from gastown_tui.ui.widgets import feed_view
from gastown_tui.ui.widgets.feed_view import FeedView

SIZE = (140, 44)


def log_lines(staged: StagedTown) -> list[dict[str, object]]:
    log = staged.town.paths.beads / "events.jsonl"
    return [json.loads(line) for line in log.read_bytes().splitlines() if line.strip()]


def shown(feed: FeedView, rows: int) -> list[str]:
    """The beads of the first `rows` rows, as the feed orders them."""
    beads = []
    for row in range(min(rows, feed.rows())):
        line = feed._line_at(row)
        assert line is not None
        beads.append(feed._event(line)[1].bead)
    return beads


async def test_newest_first_and_the_filter_narrows_it(staged: StagedTown, tmp_path: Path) -> None:
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        feed = app.dashboard.query_one(FeedView)
        events = log_lines(staged)
        await until(pilot, lambda: feed.rows() == len(events), "the whole log indexed")
        assert shown(feed, 3) == [str(e["bead"]) for e in reversed(events[-3:])]
        app.dashboard.query_one(FeedView).focus()
        await pilot.press("slash")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"type:escalate", "enter")
        escalations = [e for e in events if e["op"] == "escalate"]
        await until(pilot, lambda: feed.rows() == len(escalations), "only escalate events")
        assert all(feed._event(feed._line_at(r) or 0)[1].op == "escalate"
                   for r in range(feed.rows()))  # fmt: skip
        assert "matches" in str(app.dashboard.query_one("#feed-slot").border_subtitle)
        await pilot.press("slash", *(["backspace"] * 20), "enter")  # cleared: everything again
        await until(pilot, lambda: feed.rows() == len(events), "the filter cleared")


async def test_a_write_by_another_process_shows_at_the_top(
    staged: StagedTown, tmp_path: Path
) -> None:
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        feed = app.dashboard.query_one(FeedView)
        before = len(log_lines(staged))
        await until(pilot, lambda: feed.rows() == before, "the log indexed")
        subprocess.run(
            [sys.executable, "-m", "gastown_tui.cli.bd_main", "create", "Written [bold]elsewhere",
             "--json"], env={**staged.env, "BEADS_DIR": str(staged.town.paths.beads)},
            check=True, capture_output=True,
        )  # fmt: skip
        await until(pilot, lambda: feed.rows() > before, "the new event in the feed")
        (top,) = shown(feed, 1)
        assert top == log_lines(staged)[-1]["bead"]
        # Moved off the top, the event under the cursor stays put as more arrive.
        feed.focus()
        await pilot.press("j")
        under = shown(feed, 2)[1]
        subprocess.run(
            [sys.executable, "-m", "gastown_tui.cli.bd_main", "create", "One more", "--json"],
            env={**staged.env, "BEADS_DIR": str(staged.town.paths.beads)}, check=True,
            capture_output=True,
        )  # fmt: skip
        await until(pilot, lambda: feed.rows() == before + 2, "the second event")
        assert feed.cursor == 2 and feed._event(feed._line_at(2) or 0)[1].bead == under
        await pilot.press("f")
        assert feed.cursor == 0 and feed.following


async def test_truncation_and_replacement_by_rename_are_survived(
    staged: StagedTown, tmp_path: Path
) -> None:
    app = staged.app(tmp_path / "tui.json")
    log = staged.town.paths.beads / "events.jsonl"
    saved = log.read_bytes()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            feed = app.dashboard.query_one(FeedView)
            total = len(saved.splitlines())
            await until(pilot, lambda: feed.rows() == total, "the log indexed")
            first_three = b"".join(line + b"\n" for line in saved.splitlines()[:3])
            replacement = log.with_name("events.jsonl.tmp")
            replacement.write_bytes(first_three)
            os.replace(replacement, log)
            await until(pilot, lambda: feed.rows() == 3, "the replaced log")
            log.write_bytes(first_three[: first_three.index(b"\n") + 1])  # truncated in place
            await until(pilot, lambda: feed.rows() == 1, "the truncated log")
    finally:
        log.write_bytes(saved)


async def test_enter_opens_the_bead_of_the_selected_event(
    staged: StagedTown, tmp_path: Path
) -> None:
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        feed = app.dashboard.query_one(FeedView)
        await until(pilot, lambda: feed.rows() > 0, "the log indexed")
        feed.focus()
        bead = feed.selected_bead()
        assert bead
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, BeadDetailScreen), "the bead detail")
        assert app.screen.bead_id == bead  # type: ignore[attr-defined]


async def test_a_long_first_build_shows_the_tail_under_the_progress_bar(
    staged: StagedTown, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed_view, "PREVIEW_FROM", 0)  # this log is small: preview it anyway
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        feed = app.dashboard.query_one(FeedView)
        await until(pilot, lambda: feed.rows() > 0, "the log indexed")
        feed.indexing = 0.4  # as while a rebuild of the index runs
        await asyncio.to_thread(feed._post_preview)
        newest = log_lines(staged)[-1]
        assert feed._preview[0].bead == newest["bead"]
        assert "indexing the log" in feed.render_line(0).text and "40%" in feed.render_line(0).text
        assert str(newest["bead"]) in feed.render_line(1).text
        feed._indexed(None, feed.count)  # the build ends: the index takes over
        assert feed._preview == [] and str(newest["bead"]) in feed.render_line(0).text


async def test_hostile_text_in_an_event_renders_as_text(staged: StagedTown, tmp_path: Path) -> None:
    app = staged.app(tmp_path / "tui.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        feed = app.dashboard.query_one(FeedView)
        before = len(log_lines(staged))
        await until(pilot, lambda: feed.rows() == before, "the log indexed")
        title = "[bold]bold?[/] \x1b[31mred\x1b[0m 漢字 C-c"
        subprocess.run(
            [sys.executable, "-m", "gastown_tui.cli.bd_main", "create", title, "--json"],
            env={**staged.env, "BEADS_DIR": str(staged.town.paths.beads)}, check=True,
            capture_output=True,
        )  # fmt: skip
        await until(pilot, lambda: feed.rows() == before + 1, "the hostile event")
        strip = feed.render_line(0)
        assert "[bold]bold?[/] \\x1b[31mred\\x1b[0m 漢字 C-c" in strip.text
        assert "\x1b" not in strip.text and strip.cell_length == feed.size.width
        assert not any(segment.style and segment.style.bold for segment in strip
                       if "bold?" in segment.text), "the markup was not applied"  # fmt: skip
