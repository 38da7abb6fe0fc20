"""Keeping `issues.jsonl` current after writes without one full rewrite per writer.

Each export is a full snapshot (what bd readers expect), so a burst of writers each rewriting it
would cost O(writers × issues). Writers coalesce instead: whoever holds `export.lock` exports;
a writer that finds it held leaves, because the holder looks at the log again after releasing
it and exports once more if the log grew past what it exported. So a burst ends with one
export that includes every write, and no writer waits on another's export.

Why this is enough: a writer appends to the log *before* it tries the lock. If its try fails,
the holder has not released yet, so the holder's look after releasing sees that append; if its
try succeeds, it exports itself. `export-state` records the log size the export reflects.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path

from gastown_tui.store.beads_store import BeadsStore

Writer = Callable[[Path, bytes], None]


def _log_size(store: BeadsStore) -> int:
    try:
        return store.paths.events.stat().st_size
    except FileNotFoundError:
        return 0


def _exported_size(store: BeadsStore) -> int:
    try:
        return int((store.paths.root / "export-state").read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        return -1


def export_coalesced(store: BeadsStore, payload: Callable[[], bytes], write: Writer) -> bool:
    """Export unless another process is exporting (it will include our writes); whether this
    process wrote the file at least once. `write` replaces a file atomically."""
    wrote = False
    lock_path = store.paths.root / "export.lock"
    while True:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return wrote
            while (size := _log_size(store)) != _exported_size(store):
                store.projection.catch_up()
                write(store.paths.issues_export, payload())
                write(store.paths.root / "export-state", f"{size}\n".encode())
                wrote = True
        finally:
            os.close(descriptor)  # releases the flock
        if _log_size(store) == _exported_size(store):
            return wrote
