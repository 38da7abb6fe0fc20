"""The typed, immutable read model of a town (`TownSnapshot`) and its parts.

Everything the control room shows comes from one of these, built by `town_snapshot()` in a
worker thread: widgets never read SQLite, the log or tmux themselves. Each source the snapshot
was built from carries its health, so a panel whose source could not be read says so instead
of showing an empty "all clear".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Polecat states beyond those of core.agent_state: tmux could not be read, so nobody knows.
UNKNOWN = "unknown"


@dataclass(frozen=True)
class SourceHealth:
    """One source of the snapshot: the log, the projection, or tmux."""

    name: str
    ok: bool
    detail: str  # what the operator reads: "fresh", "tmux server down", "unreadable: …"
    progress: float | None = None  # 0..1 while the projection is being rebuilt


@dataclass(frozen=True)
class HookItem:
    """A bead on a hook: enough to show a line for it."""

    id: str
    title: str
    priority: int
    attempt: int
    running: bool  # its session was started


@dataclass(frozen=True)
class PolecatView:
    rig: str
    name: str
    address: str
    agent_bead: str
    state: str  # working, stalled, zombie, spawning, resting, idle, unknown
    session: str | None  # the tmux session, when one exists
    hook: tuple[HookItem, ...]
    last_progress: datetime | None
    runtime: str
    respawns: int

    @property
    def current(self) -> HookItem | None:
        return self.hook[0] if self.hook and self.hook[0].running else None

    @property
    def first_hooked(self) -> HookItem | None:
        return self.hook[0] if self.hook else None

    def idle_seconds(self, now: datetime) -> float | None:
        if self.last_progress is None:
            return None
        return max(0.0, (now - self.last_progress).total_seconds())


@dataclass(frozen=True)
class RigView:
    name: str
    prefix: str
    default_branch: str
    polecats: tuple[PolecatView, ...]
    refinery_running: bool | None  # None when tmux could not be read
    queue_paused: str | None  # why the merge queue is paused, when it is
    mq_length: int
    runtime_problem: str | None  # why this rig's agent runtime cannot start, when it cannot


@dataclass(frozen=True)
class EscalationView:
    id: str
    severity: str
    title: str
    agent: str
    issue: str | None
    problem: str
    tried: str
    acknowledged_by: str | None
    created_at: str
    reescalations: int
    rig: str | None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_by is not None


@dataclass(frozen=True)
class MergeRequestView:
    id: str
    rig: str
    bead: str
    bead_title: str
    worker: str
    branch: str
    state: str  # queued, testing, merged, conflict, failed, rejected, superseded
    position: int | None  # 1 = next in its rig's queue
    attempt: int
    updated_at: str
    detail: str  # the error, the conflicting files, the merge commit


@dataclass(frozen=True)
class ConvoyView:
    id: str
    title: str
    closed: int
    total: int
    stranded: bool
    landed: bool
    eta_seconds: float | None = None  # from the CVs' hook→merge times (record_views)

    @property
    def fraction(self) -> float:
        return self.closed / self.total if self.total else 0.0


@dataclass(frozen=True)
class AgentCvView:
    """An agent's CV in brief (town/cv), and what its sessions cost (town/costs)."""

    address: str
    tasks: int
    landed: int
    success_rate: float | None
    rework_rate: float | None
    mean_hook_to_merge: float | None
    p90_hook_to_merge: float | None
    strengths: tuple[str, ...]  # capabilities it does best, with evidence
    flags: tuple[str, ...]
    cost_usd: float


@dataclass(frozen=True)
class Counts:
    working: int
    waiting: int  # asked the operator for help about their current bead
    stalled: int
    zombie: int
    spawning: int
    resting: int
    unknown: int
    open_help: int
    unacked_help: int
    mq_length: int
    failed_merges: int
    convoys_in_flight: int
    convoys_total: int


@dataclass(frozen=True)
class TownSnapshot:
    """The whole town as it was at `taken_at`."""

    town: str
    root: str
    taken_at: datetime
    log_offset: int  # how far into events.jsonl the projection had read
    sources: tuple[SourceHealth, ...]
    daemon_running: bool | None
    rigs: tuple[RigView, ...]
    escalations: tuple[EscalationView, ...]  # unacknowledged first, then severity, then age
    merge_requests: tuple[MergeRequestView, ...]  # waiting ones in queue order, then recent
    convoys: tuple[ConvoyView, ...]
    counts: Counts
    cvs: tuple[AgentCvView, ...] = ()  # every agent identity's CV summary
    cost_usd: float = 0.0  # what every session has spent, all time

    def cv(self, address: str) -> AgentCvView | None:
        return next((cv for cv in self.cvs if cv.address == address), None)

    @property
    def degraded(self) -> tuple[SourceHealth, ...]:
        return tuple(source for source in self.sources if not source.ok)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Problems the operator must fix that are not a source: a rig that cannot start agents."""
        return tuple(f"rig {rig.name}: {rig.runtime_problem}" for rig in self.rigs
                     if rig.runtime_problem)  # fmt: skip

    def source(self, name: str) -> SourceHealth | None:
        return next((source for source in self.sources if source.name == name), None)

    def polecats(self) -> tuple[PolecatView, ...]:
        return tuple(polecat for rig in self.rigs for polecat in rig.polecats)

    def polecat(self, address: str) -> PolecatView | None:
        return next((p for p in self.polecats() if p.address == address), None)
