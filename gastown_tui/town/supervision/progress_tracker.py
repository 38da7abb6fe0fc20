"""The daemon's memory of each working polecat's progress between ticks.

Progress = a new event by the agent, a new commit in its worktree, or pane activity that is not
the echo of our own nudge. Held in memory: a restarted daemon starts everyone's clock afresh,
which errs on the side of not restarting anybody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gastown_tui.core.supervision import activity_is_progress
from gastown_tui.runtime.git_repo import GitError, git_run


@dataclass
class AgentProgress:
    bead: str
    session_started: str
    last_event: str = ""
    head: str = ""
    activity: float = 0.0
    progress_at: float = 0.0
    nudged_at: float | None = None


@dataclass
class ProgressTracker:
    agents: dict[str, AgentProgress] = field(default_factory=dict)

    def observe(self, address: str, bead: str, session_started: str, last_event: str,
                worktree: Path, activity: float, now: float) -> AgentProgress:  # fmt: skip
        """Update what is known of `address` and return it; `now` is epoch seconds."""
        head = _head(worktree)
        known = self.agents.get(address)
        if known is None or known.bead != bead or known.session_started != session_started:
            known = AgentProgress(bead, session_started, last_event, head, activity, now)
            self.agents[address] = known
            return known
        moved = last_event > known.last_event or (head and head != known.head)
        if moved or activity_is_progress(activity, known.activity, known.nudged_at):
            known.progress_at = now
            known.nudged_at = None
        known.last_event = max(known.last_event, last_event)
        known.head = head or known.head
        known.activity = max(known.activity, activity)
        return known

    def forget(self, address: str) -> None:
        self.agents.pop(address, None)


def _head(worktree: Path) -> str:
    if not worktree.exists():
        return ""
    try:
        return git_run(worktree, "rev-parse", "HEAD")
    except GitError:
        return ""
