"""The engine's refusals, reported as `bd` reports its own: `bd: <message>` and exit code 1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from gastown_tui.cli.command_context import CommandError
from gastown_tui.store.bead_edits.refusals import EditRefused


@contextmanager
def refusals_reported() -> Iterator[None]:
    """Turn an `EditRefused` raised inside into the `CommandError` the handler would raise."""
    try:
        yield
    except EditRefused as error:
        raise CommandError(str(error)) from error
