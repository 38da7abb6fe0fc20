"""Assertions shared by the `bd` command-line tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import BdRunner


def only_event(bd: BdRunner, since: int) -> dict[str, Any]:
    """The single event logged since the log had `since` events."""
    events = bd.new_events(since)
    assert len(events) == 1, events
    return events[0]


def refused(bd: BdRunner, *args: str, code: int = 1, input: bytes | None = None) -> str:
    """Run a command that must be refused with `code`, log nothing, and say why on stderr."""
    before = bd.events()
    result = bd(*args, check=False, input=input)
    assert result.returncode == code, (args, result.returncode, result.stderr)
    assert result.stderr.startswith("bd: ") or "error:" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""
    assert bd.events() == before, f"refused command {args} logged events"
    return result.stderr


def new(bd: BdRunner, bead_id: str, *flags: str) -> dict[str, Any]:
    """Create a bead with a chosen id and return its `--json` view."""
    return bd("create", f"bead {bead_id}", "--id", bead_id, *flags, "--json").json()
