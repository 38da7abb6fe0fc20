"""tmux session names (DESIGN §5): `hq-daemon`, `<prefix>-refinery`, `<prefix>-<polecat>`."""

from __future__ import annotations

from gastown_tui.core.addresses import AddressError, parse_address
from gastown_tui.town.town import Town, TownError

DAEMON_SESSION = "hq-daemon"


def polecat_session(prefix: str, name: str) -> str:
    return f"{prefix}-{name}"


def refinery_session(prefix: str) -> str:
    return f"{prefix}-refinery"


def session_for(town: Town, address: str) -> str:
    """The session an address lives in, or TownError when it has none."""
    try:
        parsed = parse_address(address)
    except AddressError as error:
        raise TownError(str(error)) from error
    if parsed.role in ("deacon", "mayor"):
        return DAEMON_SESSION
    if parsed.rig is None:
        raise TownError(f"{address} is a person at the keyboard: there is no session to nudge")
    prefix = town.rig(parsed.rig).prefix
    if parsed.role in ("refinery", "witness"):
        return refinery_session(prefix) if parsed.role == "refinery" else DAEMON_SESSION
    if parsed.role == "crew":
        raise TownError(f"{address} is a human's worktree: crew have no agent session")
    assert parsed.name is not None
    return polecat_session(prefix, parsed.name)
