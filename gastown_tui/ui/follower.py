"""The follower: one thread that keeps the app's picture of the town current (DESIGN §7).

It wakes when `.beads/` changes (watchfiles on the directory, so an atomic rename of the log is
seen too) or when a tick passes (tmux state and ages have no file to watch), catches the
projection up, builds one `TownSnapshot` (one batched tmux call) and posts it. At most one
snapshot is in flight: while the UI has not taken the last one, the next waits, and is built
fresh when it goes, so the screen never replays a backlog.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from textual.message import Message

from gastown_tui.town.read_model.snapshot import town_snapshot
from gastown_tui.ui.engine_session import EngineSession
from gastown_tui.ui.messages import LogGrew, RebuildProgress, SnapshotReady

Post = Callable[[Message], object]
LOG_NAME = "events.jsonl"


class SnapshotFollower:
    def __init__(
        self, session: EngineSession, post: Post, stop: threading.Event, tick: float
    ) -> None:
        self.session = session
        self.post = post
        self.stop = stop
        self.tick = tick
        self.delivered = threading.Event()
        self.delivered.set()
        self.poked = threading.Event()  # the app asks for a fresh look now (after an action)

    def poke(self) -> None:
        self.poked.set()

    def close(self) -> None:
        self.stop.set()
        self.poked.set()

    def taken(self) -> None:
        """The UI applied the last snapshot (called on the UI thread)."""
        self.delivered.set()

    def run(self) -> None:
        town = self.session.open_town(progress=self._progress)
        watch = DirectoryWatch(Path(self.session.beads_dir), self.stop, self.poked)
        log = Path(self.session.beads_dir) / "events.jsonl"
        size = log_size(log)
        try:
            while not self.stop.is_set():
                self._wait_until_delivered()
                if self.stop.is_set():
                    return
                snapshot = town_snapshot(town)
                self.delivered.clear()
                self.post(SnapshotReady(snapshot))
                watch.wait(self.tick)
                now = log_size(log)
                if now != size:
                    self.post(LogGrew(now, now < size))
                    size = now
        finally:
            watch.close()
            town.close()

    def _wait_until_delivered(self) -> None:
        while not self.stop.is_set() and not self.delivered.wait(0.5):
            pass

    def _progress(self, done: int, total: int) -> None:
        self.post(RebuildProgress(done, total))


def log_size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


class DirectoryWatch:
    """Wakes on any change in a directory (watchfiles in its own thread), or on a timeout."""

    def __init__(self, folder: Path, stop: threading.Event, changed: threading.Event) -> None:
        self.changed = changed
        self._stop = stop
        self._closed = threading.Event()
        self._thread = threading.Thread(
            target=self._watch, args=(folder,), daemon=True, name="gt-watch"
        )
        self._thread.start()

    def _watch(self, folder: Path) -> None:
        from watchfiles import watch

        while not (self._stop.is_set() or self._closed.is_set()):
            try:
                for changes in watch(
                    folder,
                    recursive=False,
                    step=25,
                    debounce=50,
                    rust_timeout=1000,
                    yield_on_timeout=True,
                    stop_event=_Either(self._stop, self._closed),
                ):
                    # Empty on a timeout; the projection's own files change on every catch-up.
                    if any(Path(path).name == LOG_NAME for _, path in changes):
                        self.changed.set()
            except (FileNotFoundError, RuntimeError, OSError):
                self._closed.wait(1.0)  # the directory is gone: look again later

    def wait(self, timeout: float) -> None:
        self.changed.wait(timeout)
        self.changed.clear()

    def close(self) -> None:
        self._closed.set()


class _Either:
    """What watchfiles' stop_event needs (`is_set`) for two events."""

    def __init__(self, first: threading.Event, second: threading.Event) -> None:
        self.first, self.second = first, second

    def is_set(self) -> bool:
        return self.first.is_set() or self.second.is_set()
