"""Text that argv cannot carry (NUL bytes, huge bodies): read from a file or stdin, as UTF-8."""

from __future__ import annotations

import sys
from pathlib import Path

from gastown_tui.cli.command_context import CommandError


def read_text(source: str, what: str) -> str:
    """The UTF-8 text of file `source` (`-` = stdin), exactly as given (NUL bytes included)."""
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read {what} from {source}: {error.strerror}") from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        where = "stdin" if source == "-" else source
        raise CommandError(
            f"{what} from {where} is not UTF-8 (byte {error.start}: {data[error.start]:#04x})"
        ) from error
