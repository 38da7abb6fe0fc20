"""Where a beads store lives: its `.beads/` directory and the files in it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BEADS_DIR_NAME = ".beads"


class StoreNotFoundError(LookupError):
    """No `.beads/` store here or above, and no `BEADS_DIR`."""


@dataclass(frozen=True)
class StorePaths:
    """The files of one store (DESIGN §3)."""

    root: Path  # the .beads directory itself

    @property
    def events(self) -> Path:
        return self.root / "events.jsonl"

    @property
    def database(self) -> Path:
        return self.root / "beads.db"

    @property
    def lock(self) -> Path:
        return self.root / "events.lock"

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    @property
    def issues_export(self) -> Path:
        return self.root / "issues.jsonl"

    @property
    def formulas(self) -> Path:
        return self.root / "formulas"


def store_at_database(database: Path) -> StorePaths:
    """The store whose projection is `database` (the real CLI's `--db`/`BEADS_DB` name the
    database file; here the store is the directory it lives in)."""
    root = database.parent if database.suffix == ".db" or database.is_file() else database
    if not root.is_dir():
        raise StoreNotFoundError(f"no beads store at {database}: {root} is not a directory")
    return StorePaths(root)


def find_store(start: Path | None = None, environ: dict[str, str] | None = None) -> StorePaths:
    """The store from `BEADS_DIR`, else `BEADS_DB`'s directory, else the nearest `.beads/` at
    or above `start`."""
    env = os.environ if environ is None else environ
    explicit = env.get("BEADS_DIR")
    if explicit:
        root = Path(explicit)
        if not root.is_dir():
            raise StoreNotFoundError(f"BEADS_DIR={explicit} is not a directory")
        return StorePaths(root)
    database = env.get("BEADS_DB")
    if database:
        return store_at_database(Path(database))
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / BEADS_DIR_NAME
        if (candidate / "events.jsonl").is_file() or (candidate / "config.toml").is_file():
            return StorePaths(candidate)
    raise StoreNotFoundError(
        f"no beads store in {here} or any parent (run 'bd init' to create one, or set BEADS_DIR)"
    )
