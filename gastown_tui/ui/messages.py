"""Messages from the app's worker threads to the UI thread (posting them is thread-safe)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from gastown_tui.town.read_model.details import MoleculeView
from gastown_tui.town.read_model.views import TownSnapshot


@dataclass
class SnapshotReady(Message):
    """A new snapshot of the town; at most one is in flight at a time."""

    snapshot: TownSnapshot


@dataclass
class RebuildProgress(Message):
    """The projection is being rebuilt from the log: bytes read so far of all."""

    done: int
    total: int


@dataclass
class LogGrew(Message):
    """events.jsonl has complete lines up to `size` (or was replaced: `reset`)."""

    size: int
    reset: bool


@dataclass
class PaneCaptured(Message):
    """What a polecat's pane shows now (sent only when it changed)."""

    session: str
    text: str
    error: str | None = None


@dataclass
class MoleculeRead(Message):
    """The molecule of the selected polecat's current bead (None: it has none)."""

    address: str
    molecule: MoleculeView | None
    error: str | None = None


@dataclass
class ActionDone(Message):
    """An engine call started from a key finished: what to tell the operator."""

    text: str
    ok: bool = True


@dataclass
class AttachRequested(Message):
    """Hand the terminal to this tmux session (the app decides how)."""

    session: str


@dataclass
class PeekRefresh(Message):
    """The peek screen asks for a fresh capture of its session."""

    session: str
