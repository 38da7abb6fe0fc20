"""A read-only mirror of a user's beads directory (`gt tui --beads DIR`).

Two kinds of source. A real beads `issues.jsonl` (any era) is mirrored into a store of our own
in a cache directory: each refresh reads the file again and imports only the records that
changed (`import_records`), and an id gone from the file becomes deleted in the mirror. Our own
`events.jsonl` store is read in place: only its projection (SQLite, and the lock) lives in the
cache. Either way nothing is ever written in the user's directory.

The cache is `$XDG_CACHE_HOME/gastown_tui/mirrors/<hash of the absolute path>/` (else
`~/.cache/...`), so opening the same directory again starts warm.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.clock import Clock, SystemClock
from gastown_tui.core.record import Record
from gastown_tui.core.timestamps import format_ts
from gastown_tui.store import json_codec
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.issues_import import import_records, read_issues_file
from gastown_tui.store.projection import ProgressCallback
from gastown_tui.store.store_paths import BEADS_DIR_NAME, StorePaths
from gastown_tui.store.write_transaction import write_transaction

MIRROR_ACTOR = "mirror"
MAX_REPORTS = 100  # the projection's own reports kept for the header
ISSUES_NAME = "issues.jsonl"
EVENTS_NAME = "events.jsonl"
TRACKED_FIELDS = ("status", "priority", "assignee", "title", "issue_type")
SourceKind = Literal["issues", "events"]


class BeadsSourceError(LookupError):
    """The path given is not a beads directory, a directory holding one, or a log file."""


@dataclass(frozen=True)
class BeadsSource:
    """What the user pointed at: the file that is read, and which kind it is."""

    kind: SourceKind
    file: Path  # absolute

    @property
    def directory(self) -> Path:
        return self.file.parent


def locate_source(path: Path) -> BeadsSource:
    """A `.beads` dir, a directory containing `.beads`, or the jsonl file itself.

    A directory with our own `events.jsonl` is read as a store; else its `issues.jsonl`.
    """
    given = Path(os.path.abspath(path.expanduser()))
    if given.is_file():
        kind: SourceKind = "events" if given.name == EVENTS_NAME else "issues"
        return BeadsSource(kind, given)
    if not given.is_dir():
        raise BeadsSourceError(f"{given}: no such file or directory")
    for folder in (given, given / BEADS_DIR_NAME):
        if (folder / EVENTS_NAME).is_file():
            return BeadsSource("events", folder / EVENTS_NAME)
        if (folder / ISSUES_NAME).is_file():
            return BeadsSource("issues", folder / ISSUES_NAME)
    raise BeadsSourceError(
        f"{given}: no beads data here (looked for {ISSUES_NAME} or {EVENTS_NAME} in it and in "
        f"{given / BEADS_DIR_NAME}; a Dolt-era bd keeps none until `bd export -o "
        f".beads/{ISSUES_NAME}`)"
    )


def cache_root(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".cache")
    return Path(base) / "gastown_tui" / "mirrors"


def mirror_dir(source: BeadsSource, environ: Mapping[str, str] | None = None) -> Path:
    digest = hashlib.sha256(str(source.file).encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return cache_root(environ) / digest


@dataclass(frozen=True)
class MirroredStorePaths(StorePaths):
    """Our own store read in place: the log (and config) from the user's directory, the
    projection and the lock in the cache (`root`)."""

    source: Path = Path()  # the user's events.jsonl

    @property
    def events(self) -> Path:
        return self.source

    @property
    def config(self) -> Path:
        return self.source.parent / "config.toml"


@dataclass(frozen=True)
class MirrorRefresh:
    """What one refresh saw: ids new or changed, ids removed, lines that could not be read."""

    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    tail: tuple[str, ...] = ()  # one line per change, for the live tail (`describe_change`)
    error: str | None = None  # the source could not be read at all (the mirror keeps its state)


class BeadsMirror:
    """An open mirror; `refresh()` brings it up to date with the user's file."""

    def __init__(self, source: BeadsSource, store: BeadsStore, reports: _Collect) -> None:
        self.source = source
        self.store = store
        self._reports = reports
        self.problems: tuple[str, ...] = ()

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        environ: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        progress: ProgressCallback | None = None,
    ) -> BeadsMirror:
        source = locate_source(path)
        cache = mirror_dir(source, environ)
        cache.mkdir(parents=True, exist_ok=True)
        reports = _Collect()
        options: dict[str, Any] = {
            "clock": clock or SystemClock(),
            "report": reports,
            "progress": progress,  # a cold projection of a large log reads for a while
        }
        if source.kind == "events":
            store = BeadsStore(MirroredStorePaths(cache, source.file), **options)
        else:
            store = BeadsStore.initialize(cache, "bd", **options)
        return cls(source, store, reports)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> BeadsMirror:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def now(self) -> str:
        return format_ts(self.store.clock.now())

    def refresh(self) -> MirrorRefresh:
        before = self._records_by_id()
        if self.source.kind == "issues":
            outcome = self._refresh_issues(before)
        else:
            outcome = self._refresh_events()
        after = self._records_by_id()
        changed = tuple(sorted(i for i, record in after.items() if before.get(i) != record))
        removed = tuple(sorted(set(before) - set(after)))
        problems = (*outcome.problems, *self._reports.lines)
        self.problems = problems
        tail = tuple(describe_change(i, before.get(i), after.get(i)) for i in changed + removed)
        return MirrorRefresh(changed, removed, problems, tail, outcome.error)

    def _refresh_issues(self, before: dict[str, Record]) -> MirrorRefresh:
        try:
            read = read_issues_file(self.source.file)
        except OSError as error:
            return MirrorRefresh(error=f"cannot read {self.source.file}: {error.strerror or error}")
        import_records(self.store, MIRROR_ACTOR, read.records)
        present = {record["id"] for record in read.records}
        gone = sorted(bead_id for bead_id in before if bead_id not in present)
        torn = any(reason.startswith("torn last line") for _, reason in read.problems)
        if gone and not torn:  # a file caught mid-write is not a mass deletion
            with write_transaction(self.store, MIRROR_ACTOR) as tx:
                for bead_id in gone:
                    ts = tx.stamp()
                    changes = {"status": rec.TOMBSTONE, "deleted_at": ts,
                               "deleted_by": MIRROR_ACTOR}  # fmt: skip
                    tx.emit(ev.DELETE, bead_id, {"set": changes}, ts)
        return MirrorRefresh(problems=tuple(read.problem_lines()))

    def _refresh_events(self) -> MirrorRefresh:
        if not self.source.file.is_file():
            return MirrorRefresh(error=f"cannot read {self.source.file}: the log is missing")
        self.store.projection.catch_up()
        return MirrorRefresh()

    def _records_by_id(self) -> dict[str, Record]:
        rows = self.store.connection.execute("SELECT id, record FROM beads WHERE tombstone = 0")
        return {bead_id: json_codec.loads(blob) for bead_id, blob in rows}


class _Collect:
    """The projection's reporter: the latest lines kept (shown in the header), never printed."""

    def __init__(self) -> None:
        self.lines: deque[str] = deque(maxlen=MAX_REPORTS)

    def __call__(self, message: str) -> None:
        self.lines.append(message)


def describe_change(bead_id: str, before: Record | None, after: Record | None) -> str:
    """One line of the live tail: `bd-a1 status open → closed`, `bd-x new`, `bd-y removed`."""
    if before is None:
        return f"{bead_id} new"
    if after is None:
        return f"{bead_id} removed"
    parts = []
    for key in TRACKED_FIELDS:
        old, new = _shown(before.get(key)), _shown(after.get(key))
        if old != new:
            parts.append(f"{key} {old} → {new}")
    if not parts:
        fields = sorted(key for key in {*before, *after} if before.get(key) != after.get(key))
        parts.append("changed " + ", ".join(fields[:4]) if fields else "changed")
    return f"{bead_id} " + "; ".join(parts)


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return text if len(text) <= 40 else text[:39] + "…"
