"""`FeedView`: the event feed, newest first, as a line-based widget over the log's byte offsets.

Only the lines on screen are read and parsed (a small cache keeps them): a million-event log
costs its line index (8 bytes a line, built in a thread with a progress bar) and nothing more.
A filter (words or /regex/, type:OP, rig:NAME, actor:ADDR) is applied by a scan from the newest
line back, a page at a time, in a thread: matches show as they are found and the scan never
holds more than line numbers. New events arrive through `log_changed` (the app's follower
watches the directory); the index is extended, or started over when the log was truncated or
replaced. While following, the newest event stays on top; once the operator moves the cursor,
the event under it stays put as new ones arrive (`f` follows again).

A first build over a big log (no saved index to load) shows the log's tail under the progress
bar meanwhile, read from the end of the file: the newest events are on screen at once.

The widget is ~350 lines because the view arithmetic (rows to log lines under a filter, cursor
and scroll kept steady as lines arrive) belongs in one place.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from pathlib import Path
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from gastown_tui.core.display_text import visible
from gastown_tui.store.feed_reader import FeedEvent, FeedQuery, QueryError, parse_event, parse_query
from gastown_tui.store.log_index import LogIndex
from gastown_tui.ui.display import bar

SCAN_PAGE = 2000  # lines read per step of a filter's scan
CACHE = 4000  # parsed lines kept
INDEX_CACHE = "beads.db-lineindex"  # next to the projection, ignored by git like it
PREVIEW_FROM = 8 * 1024 * 1024  # a build over this many bytes shows the log's tail meanwhile
PREVIEW_BYTES = 256 * 1024
OP_STYLES = {
    "escalate": "bold red", "merge_failed": "red", "rework": "yellow", "merged": "green",
    "close": "green", "done": "cyan", "sling": "cyan", "nudge": "magenta", "patrol": "dim",
    "session_end": "yellow", "session_start": "blue", "usage": "dim",
}  # fmt: skip


class FeedView(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    FeedView { height: 1fr; background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor(1)", show=False),
        Binding("k,up", "cursor(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("home", "top", show=False),
        Binding("end", "bottom", show=False),
    ]

    def __init__(self, log: Path, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.log_path = log
        self.index_cache = log.with_name(INDEX_CACHE)
        self.index = LogIndex(log)
        self.count = 0  # lines the view may show (the index may run ahead in its thread)
        self.query_text = ""
        self.feed_query = FeedQuery()
        self.problem: str | None = None  # why the log cannot be read, when it cannot
        self.indexing: float | None = None  # progress of a first (or restarted) index build
        self._preview: list[FeedEvent] = []  # the log's last events, newest first, meanwhile
        self.following = True
        self.cursor = 0  # row on screen order: 0 is the newest shown
        self._cache: OrderedDict[int, tuple[bytes, FeedEvent]] = OrderedDict()
        # Under a filter: matches among lines that arrived since it was set (oldest first), and
        # those the backward scan found (newest first).
        self._new_matches = array("Q")
        self._old_matches = array("Q")  # line numbers only: 8 bytes a match
        self._scan_from = 0  # the backward scan's next line (exclusive), counting down
        self._scan_generation = 0
        self._refresh_lock = threading.Lock()

    # -- what the dashboard and the app ask (FeedPanel) -----------------------------------------

    def on_mount(self) -> None:
        self._start_refresh(first=True)

    def log_changed(self, size: int, reset: bool) -> None:
        del size, reset  # the index sees for itself whether the log grew, shrank or was replaced
        self._start_refresh(first=False)

    def apply_query(self, text: str) -> None:
        try:
            query = parse_query(text)
        except QueryError as error:
            self.app.notify(str(error), title="filter", severity="error")
            return
        self.query_text, self.feed_query = text.strip(), query
        self._restart_filter()
        self.follow()

    def follow(self) -> None:
        self.following = True
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self._update_size()

    def selected_bead(self) -> str | None:
        line = self._line_at(self.cursor)
        if line is None:
            return None
        event = self._event(line)[1]
        return event.bead or None

    # -- keeping up with the log ----------------------------------------------------------------

    def _start_refresh(self, first: bool) -> None:
        self.run_worker(lambda: self._refresh(first), thread=True, group="feed-index",
                        exclusive=False, exit_on_error=False)  # fmt: skip

    def _refresh(self, first: bool) -> None:
        with self._refresh_lock:  # one refresh at a time; the next sees what this one missed
            fresh = LogIndex(self.log_path, self.index_cache) if first else None
            if fresh is not None and not fresh.load_cache():
                self._post_preview()
            index = fresh if fresh is not None else self.index
            try:
                reset = index.refresh(progress=self._progress if first else None)
                if reset:  # truncated or replaced: build again, with progress
                    fresh = LogIndex(self.log_path, self.index_cache)
                    fresh.refresh(progress=self._progress)
                    index = fresh
                if fresh is not None:
                    fresh.save_cache()
            except OSError as error:
                # the log is the feed's own file: its path would only make the message longer
                reason = error.strerror or str(error)
                self.app.call_from_thread(self._failed, f"{type(error).__name__}: {reason}")
                return
            self.app.call_from_thread(self._indexed, fresh, len(index))

    def _post_preview(self) -> None:
        """While a long build runs, the newest events are read from the log's tail and shown
        under the progress bar (read-only: the cursor and filters wait for the index)."""
        try:
            with self.log_path.open("rb") as handle:
                size = handle.seek(0, 2)
                if size < PREVIEW_FROM:
                    return
                start = max(0, size - PREVIEW_BYTES)
                handle.seek(start)
                data = handle.read(size - start)
        except OSError:
            return  # the build reports it
        lines = data[: data.rfind(b"\n")].split(b"\n")[1:]  # the first may be a partial line
        preview = [parse_event(line) for line in reversed(lines[-200:]) if line.strip()]
        self.app.call_from_thread(self._show_preview, preview)

    def _show_preview(self, preview: list[FeedEvent]) -> None:
        if self.indexing is not None or not self.count:
            self._preview = preview
            self.refresh()

    def _progress(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        self.app.call_from_thread(self._show_progress, fraction)

    def _show_progress(self, fraction: float) -> None:
        self.indexing = fraction if fraction < 1.0 else None
        self.refresh()

    def _failed(self, problem: str) -> None:
        self.problem = f"the log cannot be read: {problem}"
        self.indexing = None
        self._update_size()
        self.refresh()

    def _indexed(self, fresh: LogIndex | None, count: int) -> None:
        self.problem = None
        self.indexing = None
        self._preview = []
        if fresh is not None:
            self.index, self.count = fresh, count
            self._cache.clear()
            self._restart_filter()
            return
        added = count - self.count
        if added <= 0:
            return
        before = self.rows()
        if not self.feed_query.empty:
            for line, (raw, event) in enumerate(self._read(self.count, count), start=self.count):
                if self.feed_query.matches(raw, event):
                    self._new_matches.append(line)
        self.count = count
        grown = self.rows() - before
        if not self.following and grown:
            self.cursor += grown  # the event under the cursor stays under it
            self.scroll_to(y=self.scroll_y + grown, animate=False)
        self._update_size()
        self.refresh()

    # -- the filter's scan ----------------------------------------------------------------------

    def _restart_filter(self) -> None:
        self._scan_generation += 1
        self._new_matches = array("Q")
        self._old_matches = array("Q")
        self._scan_from = self.count
        if not self.feed_query.empty:
            generation, query, start = self._scan_generation, self.feed_query, self.count
            self.run_worker(lambda: self._scan(generation, query, start), thread=True,
                            group="feed-scan", exclusive=True, exit_on_error=False)  # fmt: skip
        self._update_size()
        self.refresh()

    def _scan(self, generation: int, query: FeedQuery, start: int) -> None:
        index = self.index
        stop = start
        while stop > 0 and generation == self._scan_generation:
            first = max(0, stop - SCAN_PAGE)
            lines = index.lines(first, stop)
            found = [first + offset for offset in range(len(lines) - 1, -1, -1)
                     if query.could_match(lines[offset])
                     and query.matches(lines[offset], parse_event(lines[offset]))]  # fmt: skip
            stop = first
            self.app.call_from_thread(self._scanned, generation, found, stop)

    def _scanned(self, generation: int, found: list[int], stop: int) -> None:
        if generation != self._scan_generation:
            return
        self._old_matches.extend(found)
        self._scan_from = stop
        self._update_size()
        self.refresh()

    # -- rows on screen -------------------------------------------------------------------------

    def rows(self) -> int:
        if self.feed_query.empty:
            return self.count
        return len(self._new_matches) + len(self._old_matches)

    def _line_at(self, row: int) -> int | None:
        if row < 0 or row >= self.rows():
            return None
        if self.feed_query.empty:
            return self.count - 1 - row
        if row < len(self._new_matches):
            return self._new_matches[len(self._new_matches) - 1 - row]
        return self._old_matches[row - len(self._new_matches)]

    def _read(self, first: int, stop: int) -> list[tuple[bytes, FeedEvent]]:
        return [(raw, parse_event(raw)) for raw in self.index.lines(first, stop)]

    def _event(self, line: int) -> tuple[bytes, FeedEvent]:
        cached = self._cache.get(line)
        if cached is None:
            raw = self.index.line(line)
            cached = (raw, parse_event(raw))
            self._cache[line] = cached
            if len(self._cache) > CACHE:
                self._cache.popitem(last=False)
        return cached

    def _update_size(self) -> None:
        self.virtual_size = Size(self.size.width, max(self.rows(), 1))
        if self.parent is not None:  # the panel around the feed carries its status
            self.parent.border_subtitle = self._status()  # type: ignore[attr-defined]

    def _status(self) -> str:
        if self.feed_query.empty:
            return f"{self.count:,} events" + ("" if self.following else " · f follows")
        scanning = f" · scanning {1 - self._scan_from / self.count:.0%}" if (
            self._scan_from and self.count) else ""  # fmt: skip
        return f"filter {visible(self.query_text)} · {self.rows():,} matches{scanning}"

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        row = self.scroll_offset.y + y
        if self.problem is not None:
            return self._message(self.problem if y == 0 else "", "bold red", width)
        if self.indexing is not None or self._preview:
            if y == 0:
                fraction = self.indexing or 0.0
                progress = f"indexing the log {bar(fraction, 20)} {fraction:.0%}"
                return self._message(progress, "", width)
            if y - 1 >= len(self._preview):
                return self._message("", "", width)
            return self._strip(self._row_text(self._preview[y - 1]), width)
        line = self._line_at(row)
        if line is None:
            empty = "no events match the filter" if not self.feed_query.empty else "no events yet"
            return self._message(empty if row == 0 else "", "dim", width)
        text = self._row_text(self._event(line)[1])
        if row == self.cursor and self.has_focus:
            text.stylize("reverse")
        return self._strip(text, width)

    def _strip(self, text: Text, width: int) -> Strip:
        return Strip(text.render(self.app.console), text.cell_len).crop_extend(0, width, Style())

    def _row_text(self, event: FeedEvent) -> Text:
        text = Text(no_wrap=True, end="")
        text.append(event.ts[11:19] or "--:--:--", style="dim")
        text.append(" ")
        text.append(f"{visible(event.op):<13.13}", style=OP_STYLES.get(event.op, ""))
        text.append(" ")
        text.append(f"{visible(event.actor):<24.24}", style="cyan")
        text.append(" ")
        text.append(f"{visible(event.bead):<12.12}", style="bold")
        text.append(" ")
        text.append(visible(event.summary), style="red" if event.malformed else "")
        return text

    def _message(self, text: str, style: str, width: int) -> Strip:
        return Strip([Segment(text[:width].ljust(width), Style.parse(style) if style else None)])

    # -- moving ---------------------------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        self._move_to(self.cursor + step)

    def action_page(self, step: int) -> None:
        self._move_to(self.cursor + step * max(1, self.size.height - 1))

    def action_top(self) -> None:
        self.follow()

    def action_bottom(self) -> None:
        self._move_to(self.rows() - 1)

    def _move_to(self, row: int) -> None:
        self.cursor = max(0, min(row, self.rows() - 1))
        self.following = self.cursor == 0
        if self.cursor < self.scroll_offset.y:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= self.scroll_offset.y + self.size.height:
            self.scroll_to(y=self.cursor - self.size.height + 1, animate=False)
        self._update_size()
        self.refresh()

    def on_resize(self) -> None:
        self._update_size()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
