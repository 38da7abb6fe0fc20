"""The follower: one thread that keeps the app's picture of the town current (DESIGN §7).

It wakes when the log changes (`runtime.log_follower.LogFollower`: watchfiles on `.beads/`, so
an atomic rename of the log is seen too, reading only the bytes after its last offset) or when a
tick passes (tmux state and ages have no file to watch). It tells the feed what grew
(`LogGrew`), catches the projection up, builds one `TownSnapshot` (one batched tmux call) and
posts it: one follower feeds both. At most one
snapshot is in flight: while the UI has not taken the last one, the next waits, and is built
fresh when it goes, so the screen never replays a backlog.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual.message import Message

from gastown_tui.runtime.log_follower import LogFollower
from gastown_tui.town.read_model.snapshot import town_snapshot
from gastown_tui.ui.engine_session import EngineSession
from gastown_tui.ui.messages import LogGrew, RebuildProgress, SnapshotReady

Post = Callable[[Message], object]


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
        self.log = LogFollower(session.beads_dir / "events.jsonl")

    def poke(self) -> None:
        """The app asks for a fresh look now (after an action)."""
        self.log.wake()

    def close(self) -> None:
        self.stop.set()
        self.log.close()

    def taken(self) -> None:
        """The UI applied the last snapshot (called on the UI thread)."""
        self.delivered.set()

    def run(self) -> None:
        # Watch before opening the town (a cold open rebuilds for seconds): what is appended
        # meanwhile is reported by the first poll. The feed indexes what is there already.
        self.log.start()
        self.log.start_at_end()
        try:
            town = self.session.open_town(progress=self._progress)
        except BaseException:
            self.log.close()
            raise
        try:
            while not self.stop.is_set():
                self._wait_until_delivered()
                if self.stop.is_set():
                    return
                snapshot = town_snapshot(town)
                self.delivered.clear()
                self.post(SnapshotReady(snapshot))
                self.log.wait(self.tick)
                change = self.log.poll()
                if change is not None:
                    self.post(LogGrew(change.end, change.reset))
        finally:
            self.log.close()
            town.close()

    def _wait_until_delivered(self) -> None:
        while not self.stop.is_set() and not self.delivered.wait(0.5):
            pass

    def _progress(self, done: int, total: int) -> None:
        self.post(RebuildProgress(done, total))
