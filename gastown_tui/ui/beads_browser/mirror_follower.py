"""The browser's follower: one thread that owns the mirror (its own SQLite connection), watches
the user's directory and posts immutable views to the UI.

watchfiles watches the directory, not the file, so a rewrite by atomic rename (as bd does) is
seen; only events naming the source file count (bd's own database churns beside it). A check
of the file's identity (inode, size, mtime) on every idle timeout catches anything a watch
missed. Each wake refreshes the mirror once, so a burst of writes costs one refresh.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from textual.message import Message

from gastown_tui.core.clock import Clock
from gastown_tui.store.beads_mirror import BeadsMirror, BeadsSource
from gastown_tui.store.beads_mirror_view import MirrorView, mirror_view

Post = Callable[[Message], object]
IDLE_CHECK_MS = 1000  # the watch's timeout: how often the file's identity is looked at anyway


@dataclass
class MirrorUpdated(Message):
    """A fresh view of the mirror, and the tail lines of what changed to make it."""

    view: MirrorView
    tail: tuple[str, ...]
    seen_at: str  # HH:MM:SS by the app's clock
    live: bool  # False when the watch failed or the source could not be read


@dataclass
class MirrorProgress(Message):
    """The cache's projection is being built from the user's log: bytes read of all."""

    done: int
    total: int


@dataclass
class MirrorFailed(Message):
    """The mirror could not be opened at all (an unreadable cache, a corrupt store)."""

    error: str


def file_identity(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


class MirrorFollower:
    def __init__(
        self,
        source: BeadsSource,
        environ: Mapping[str, str],
        clock: Clock,
        post: Post,
        stop: threading.Event,
    ) -> None:
        self.source = source
        self.environ = environ
        self.clock = clock
        self.post = post
        self.stop = stop
        self.changed = threading.Event()
        self.refreshes = 0  # how many refreshes ran (tests compare it, never time)

    def close(self) -> None:
        self.stop.set()
        self.changed.set()

    def run(self) -> None:
        try:
            mirror = BeadsMirror.open(
                self.source.file,
                environ=self.environ,
                clock=self.clock,
                progress=self._progress,
            )
        except Exception as error:  # anything: the UI must say why, never hang on "opening"
            self.post(MirrorFailed(f"{self.source.file}: {error}"))
            return
        watcher = threading.Thread(target=self._watch, daemon=True, name="gt-beads-watch")
        watcher.start()
        first = True
        try:
            while not self.stop.is_set():
                identity = file_identity(self.source.file)
                seen = mirror.refresh()
                self.refreshes += 1
                view = mirror_view(mirror, seen.error)
                tail = () if first else seen.tail
                first = False
                live = watcher.is_alive() and seen.error is None
                self.post(MirrorUpdated(view, tail, self.clock.now().strftime("%H:%M:%S"), live))
                self._wait_for_change(identity)
        finally:
            mirror.close()

    def _progress(self, done: int, total: int) -> None:
        self.post(MirrorProgress(done, total))

    def _wait_for_change(self, identity: tuple[int, int, int] | None) -> None:
        while not self.stop.is_set():
            if self.changed.wait(IDLE_CHECK_MS / 1000):
                self.changed.clear()
                return
            if file_identity(self.source.file) != identity:
                return

    def _watch(self) -> None:
        from watchfiles import watch

        name = self.source.file.name
        while not self.stop.is_set():
            try:
                for changes in watch(
                    self.source.directory,
                    recursive=False,
                    step=25,
                    debounce=50,
                    rust_timeout=IDLE_CHECK_MS,
                    yield_on_timeout=True,
                    stop_event=self.stop,
                ):
                    if any(Path(path).name == name for _, path in changes):
                        self.changed.set()
            except (FileNotFoundError, RuntimeError, OSError):
                self.stop.wait(1.0)  # the directory is gone: look again later
