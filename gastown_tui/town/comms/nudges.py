"""Nudges (DESIGN §5): typing one line into an agent's tmux session, verified, never via a shell.

The text goes with literal `send-keys` after its control characters are stripped (so an ANSI
escape, a tmux key name or `$(…)` arrives as plain characters). Delivery is checked, not
assumed: the pane must show the text before Enter is pressed, and must change after it. Each
session has its own lock, so two nudges never interleave their keystrokes. A delivered nudge is
logged as a `nudge` event (bead "", data target, by, text, session).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from gastown_tui.core import record as rec
from gastown_tui.core.addresses import AddressError, parse_address, polecat_address
from gastown_tui.core.display_text import strip_control
from gastown_tui.core.ids import InvalidNameError, check_name
from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.runtime.tmux_server import TmuxError, TmuxServer, wait_until
from gastown_tui.store.file_lock import exclusive_lock
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.agents import agents
from gastown_tui.town.session_names import polecat_session, refinery_session, session_for
from gastown_tui.town.town import Town, TownError

ARRIVAL_TIMEOUT = 10.0  # seconds for typed text to show in the pane
ENTER_TIMEOUT = 10.0  # seconds for the pane to react to Enter
TAIL_CHARS = 24  # how much of the text's end is looked for in the pane


@dataclass(frozen=True)
class PaneView:
    """What a pane shows: every line (history first, no joining of wrapped lines) and cursor."""

    lines: tuple[str, ...]
    history: int
    cursor_x: int
    cursor_y: int

    def before_cursor(self) -> str:
        """The screen's text up to the cursor, whitespace removed (wrapping then cannot matter)."""
        rows = self.lines[self.history :]
        head = list(rows[: self.cursor_y])
        if self.cursor_y < len(rows):
            head.append(rows[self.cursor_y][: self.cursor_x])
        return squeeze("".join(head))

    def whole(self) -> str:
        return squeeze("".join(self.lines))


def squeeze(text: str) -> str:
    return "".join(text.split())


def arrived(before: PaneView, after: PaneView, sent: str) -> bool:
    """Whether `sent` now shows in the pane: its end sits at the cursor (a line editor) or it
    appears once more than before (a program that draws its input elsewhere)."""
    tail = squeeze(sent)[-TAIL_CHARS:]
    if not tail:
        return after != before
    at_cursor = after != before and after.before_cursor().endswith(tail)
    return at_cursor or after.whole().count(tail) > before.whole().count(tail)


class Nudged(TypedDict):
    """A nudge that arrived: the agent, its session, and the text as typed (control characters
    removed)."""

    target: str
    session: str
    sent: str


def nudge_target(address: str) -> str:
    """`address` in canonical form; `<rig>/<name>` is accepted for `<rig>/polecats/<name>`."""
    try:
        return str(parse_address(address))
    except AddressError as error:
        parts = address.strip().split("/")
        if len(parts) == 2:
            try:
                return str(parse_address(polecat_address(parts[0], parts[1])))
            except AddressError:
                pass
        raise TownError(str(error)) from error


def nudge(town: Town, address: str, text: str, by: str) -> Nudged:
    """Type `text` into the session of `address` and press Enter; refused if it has none."""
    target = nudge_target(address)
    return deliver(town, target, session_for(town, target), text, by)


def deliver(town: Town, target: str, session: str, text: str, by: str) -> Nudged:
    """Nudge `session` (the session of `target`)."""
    sent = strip_control(text)
    if not sent.strip():
        raise TownError("nothing to send: the text is empty once control characters are removed")
    if not town.tmux.has_session(session):
        raise TownError(f"{target} has no running session ({session} does not exist)")
    with exclusive_lock(town.paths.lock(f"nudge-{session}")):
        try:
            sent = _type_line(town.tmux, session, sent)
        except TmuxError as error:
            raise TownError(f"nudging {target} ({session}) failed: {error}") from error
    with write_transaction(town.store, by) as tx:
        tx.emit("nudge", "", {"target": target, "by": by, "text": sent, "session": session})
    return Nudged(target=target, session=session, sent=sent)


def broadcast(
    town: Town, text: str, by: str, *, rig: str | None = None
) -> tuple[list[Nudged], list[str]]:
    """Nudge every live polecat session (of `rig`, or of every rig): (delivered, failures)."""
    delivered: list[Nudged] = []
    failures: list[str] = []
    for target, session in polecat_sessions(town, rig):
        try:
            delivered.append(deliver(town, target, session, text, by))
        except TownError as error:
            failures.append(f"{target}: {error}")
    return delivered, failures


def polecat_sessions(town: Town, rig: str | None = None) -> list[tuple[str, str]]:
    """(address, session) of every polecat with a live pane, by address.

    Agent beads name the polecats; a live `<prefix>-<name>` session without one (started by
    hand, or before its identity was written) counts too, except the rig's refinery.
    """
    rigs = {rig: town.rig(rig)} if rig else town.rigs()
    live = {pane.session for pane in town.tmux.panes() or [] if not pane.dead}
    found: dict[str, str] = {}
    for record in agents(town, role="polecat"):
        metadata = rec.metadata_of(record)
        settings = rigs.get(str(metadata.get("rig")))
        name = metadata.get("name")
        if settings is not None and isinstance(name, str):
            session = polecat_session(settings.prefix, name)
            if session in live:
                found[session] = polecat_address(settings.name, name)
    # Longest prefix first, so rig `dm-x` wins `dm-x-nux` over rig `dm`.
    by_prefix = sorted(rigs.values(), key=lambda r: len(r.prefix), reverse=True)
    for session in sorted(live - set(found)):
        address = _session_address(session, by_prefix)
        if address:
            found[session] = address
    return sorted(((address, session) for session, address in found.items()))


def _session_address(session: str, rigs: list[RigSettings]) -> str | None:
    for settings in rigs:
        if session.startswith(f"{settings.prefix}-"):
            if session == refinery_session(settings.prefix):
                return None
            name = session[len(settings.prefix) + 1 :]
            try:
                return polecat_address(settings.name, check_name("polecat", name))
            except InvalidNameError:
                return None
    return None


def _type_line(tmux: TmuxServer, session: str, text: str) -> str:
    """Type `text`, wait until it shows, press Enter, wait until the pane reacts."""
    pane = f"={session}:"  # the active pane of the session named exactly `session`
    flags = tmux.run("display-message", "-p", "-t", pane, "#{pane_in_mode} #{pane_dead}")
    in_mode, dead = flags[0].split()
    if dead == "1":
        raise TownError(f"the pane of {session} is dead: its program has exited")
    if in_mode == "1":  # copy mode would swallow the keystrokes
        tmux.run("send-keys", "-t", pane, "-X", "cancel")
    before = _view(tmux, pane)
    sent = tmux.send_text(pane, text)
    if not wait_until(lambda: arrived(before, _view(tmux, pane), sent), ARRIVAL_TIMEOUT):
        raise TownError(
            f"the text did not show in {session} within {ARRIVAL_TIMEOUT:g}s; Enter was not pressed"
        )
    typed = _view(tmux, pane)
    tmux.send_enter(pane)
    if not wait_until(lambda: _view(tmux, pane) != typed, ENTER_TIMEOUT):
        raise TownError(f"{session} did not react to Enter within {ENTER_TIMEOUT:g}s")
    return sent


def _view(tmux: TmuxServer, pane: str) -> PaneView:
    cursor_x, cursor_y, history = tmux.run(
        "display-message", "-p", "-t", pane, "#{cursor_x} #{cursor_y} #{history_size}"
    )[0].split()
    lines = tmux.run("capture-pane", "-p", "-t", pane, "-S", "-")
    return PaneView(tuple(lines), int(history), int(cursor_x), int(cursor_y))
