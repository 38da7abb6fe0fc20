"""The app's way into the engine: which town, with which environment and clock.

SQLite connections belong to the thread that opened them, so every worker opens its own
`Town` (cheap: town.toml, rig.toml files, a connection) and closes it when done. The follower
keeps one open for its whole life.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from gastown_tui.core.clock import Clock, SystemClock
from gastown_tui.store.projection import ProgressCallback
from gastown_tui.town.town import Town
from gastown_tui.town.town_paths import TownPaths

OVERSEER = "overseer"  # every key the operator presses acts as the human


@dataclass(frozen=True)
class EngineSession:
    root: Path
    environ: dict[str, str]
    clock: Clock = field(default_factory=SystemClock)

    def open_town(self, progress: ProgressCallback | None = None) -> Town:
        return Town(
            TownPaths(self.root), clock=self.clock, environ=dict(self.environ), progress=progress
        )

    @contextmanager
    def town(self) -> Iterator[Town]:
        """A town for one worker's call. Its store is opened without a catch-up: reads show the
        projection as the follower last brought it up (an unreadable log must not break a read),
        and every write catches up inside its own transaction anyway."""
        town = self.open_town()
        town.open_store(catch_up=False)
        try:
            yield town
        finally:
            town.close()

    @property
    def beads_dir(self) -> Path:
        return TownPaths(self.root).beads

    @property
    def tmux_socket(self) -> str:
        return TownPaths(self.root).socket_name(self.environ)
