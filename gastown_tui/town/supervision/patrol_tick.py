"""`PatrolTick`: what every patrol of one daemon tick shares."""

from __future__ import annotations

from dataclasses import dataclass, field

from gastown_tui.runtime.tmux_server import PaneState


@dataclass
class PatrolTick:
    """What every patrol of one tick shares: its number, the time, and one read of tmux."""

    number: int
    now: float  # epoch seconds, from the town's clock
    panes: list[PaneState] | None
    sessions: dict[str, PaneState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sessions = {pane.session: pane for pane in self.panes or []}
