"""Writing `issues.jsonl` as Go bd does: sorted by id, Go field order and escaping."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from gastown_tui.core.record import Record
from gastown_tui.store.bead_queries import all_records
from gastown_tui.store.bead_view import present
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.export_debounce import export_coalesced
from gastown_tui.store.json_codec import go_encode


def encode_lines(views: Sequence[Record]) -> bytes:
    return b"".join(go_encode(view) + b"\n" for view in views)


def write_atomically(path: Path, payload: bytes) -> None:
    """Replace `path` with `payload` via a temporary file and a rename: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def export_payload(store: BeadsStore, *, include_wisps: bool) -> tuple[bytes, int]:
    """The bytes of `issues.jsonl` for the store as it is, and how many records they hold."""
    records = all_records(store.connection, include_wisps=include_wisps)
    return encode_lines(present(records, store.connection)), len(records)


def export_if_automatic(store: BeadsStore) -> None:
    """With `export.auto = true`, keep `.beads/issues.jsonl` current after every change
    (debounced across processes: see export_debounce)."""
    if store.config.export_auto:
        export_coalesced(
            store, lambda: export_payload(store, include_wisps=False)[0], write_atomically
        )
