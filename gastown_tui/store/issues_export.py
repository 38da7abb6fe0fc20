"""Writing `issues.jsonl` as Go bd does: sorted by id, Go field order and escaping."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from gastown_tui.core.record import Record
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
