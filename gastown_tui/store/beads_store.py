"""The beads store: one `.beads/` directory, its log and its projection, opened for reading.

Opening a store catches its projection up (every reader does, DESIGN §3). Writing is not done
here: `store.write_transaction` holds the write protocol, and only the engine (`store/`,
`town/`) imports it; `cli/` and `ui/` call the engine's functions.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from pathlib import Path
from typing import Any

from gastown_tui.core.clock import Clock, SystemClock
from gastown_tui.core.record import Record
from gastown_tui.store import json_codec
from gastown_tui.store.event_log import EventLog
from gastown_tui.store.projection import (
    ProgressCallback,
    Projection,
    Reporter,
)
from gastown_tui.store.schema import connect
from gastown_tui.store.store_config import StoreConfig, read_config
from gastown_tui.store.store_paths import StorePaths, find_store


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


class ReadOnlyStoreError(PermissionError):
    """A write asked of a store opened read-only (`bd --readonly`)."""


class BeadsStore:
    """An open beads store, caught up with its log."""

    def __init__(
        self,
        paths: StorePaths,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        report: Reporter = _stderr,
        progress: ProgressCallback | None = None,
        catch_up: bool = True,
        readonly: bool = False,
    ) -> None:
        self.paths = paths
        self.readonly = readonly
        self.config: StoreConfig = read_config(paths.config)
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self.log = EventLog(paths.events)
        self.connection: sqlite3.Connection = connect(paths.database)
        self.projection = Projection(self.connection, self.log, paths.lock, report, progress)
        if catch_up:  # a reader that must report an unreadable log opens without it
            self.projection.catch_up()

    @classmethod
    def open(cls, start: Path | None = None, **options: Any) -> BeadsStore:
        return cls(find_store(start), **options)

    @classmethod
    def initialize(
        cls, beads_dir: Path, prefix: str, *, export_auto: bool = False, **options: Any
    ) -> BeadsStore:
        """Create `beads_dir` with a config and an empty log (keeping any that exist).
        `export_auto` is written into a new config (a plain project's `bd init` turns it on, so
        tools that read `issues.jsonl` see every change; a town keeps it off)."""
        paths = StorePaths(beads_dir)
        beads_dir.mkdir(parents=True, exist_ok=True)
        if not paths.config.exists():
            config = StoreConfig(prefix=prefix, export_auto=export_auto)
            paths.config.write_text(config.to_toml(), encoding="utf-8")
        paths.events.touch(exist_ok=True)
        ignore = beads_dir / ".gitignore"
        if not ignore.exists():
            ignore.write_text("beads.db\nbeads.db-*\nevents.lock\nexport.lock\nexport-state\n",
                              encoding="utf-8")  # fmt: skip
        return cls(paths, **options)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> BeadsStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def get(self, bead_id: str) -> Record | None:
        row = self.connection.execute(
            "SELECT record FROM beads WHERE id = ?", (bead_id,)
        ).fetchone()
        return json_codec.loads(row[0]) if row else None

    def exists(self, bead_id: str) -> bool:
        return (
            self.connection.execute("SELECT 1 FROM beads WHERE id = ?", (bead_id,)).fetchone()
            is not None
        )
