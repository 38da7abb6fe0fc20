"""Seance (DESIGN §1, §6): what an agent's earlier sessions did, read back from the record.

A session runs from its `session_start` to the first `session_end` of the same session name on
the same bead (none: it is still running, or it died without a word). What it did, in its
window: the molecule steps it closed (`bd close`), `gt done` (and the MR it filed), the help it
asked for, the HANDOFF notes it mailed; how it ended is its `session_end` reason (done, cycled,
zombie, gupp, respawn limit, nuked…); a `rework` after it says why the work came back.

`bead_seance` reads one bead's history (the projection's offsets into the log, so it is cheap
enough for every `gt prime`); `agent_seance` finds an agent's sessions through the log's
session events (`log_events`) and reads each of their beads the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from gastown_tui.core import molecule_rules as mol
from gastown_tui.core import record as rec
from gastown_tui.core.events import Event
from gastown_tui.core.mail_schema import label_value
from gastown_tui.store.bead_history import bead_events
from gastown_tui.store.bead_queries import ListFilter, list_beads, molecule_steps
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.town.cv.log_events import op_events

HANDOFF_LABEL = "msg-type:HANDOFF"
SESSION_OPS = ("session_start", "session_end")
BEADS_SHOWN = 20  # an agent's seance reads its most recent beads, not its whole life


@dataclass(frozen=True)
class Handoff:
    id: str
    sender: str
    to: str
    at: str
    context: str
    status: str
    next: str


@dataclass
class SessionRecord:
    session: str
    agent: str
    bead: str
    attempt: int | None
    started_at: str
    ended_at: str | None = None
    end_reason: str | None = None  # None: still running, or it died without a word
    did: list[str] = field(default_factory=list)
    sent_back: str | None = None  # the rework that followed it

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BeadSeance:
    bead: str
    sessions: tuple[SessionRecord, ...]  # oldest first
    reworks: tuple[str, ...]  # why the bead came back, one line per rework

    def to_json(self) -> dict[str, Any]:
        return {"bead": self.bead, "sessions": [s.to_json() for s in self.sessions],
                "reworks": list(self.reworks)}  # fmt: skip


@dataclass(frozen=True)
class AgentSeance:
    agent: str
    sessions: tuple[SessionRecord, ...]  # newest first
    handoffs: tuple[Handoff, ...]  # newest first

    def to_json(self) -> dict[str, Any]:
        return {"agent": self.agent, "sessions": [s.to_json() for s in self.sessions],
                "handoffs": [asdict(h) for h in self.handoffs]}  # fmt: skip


def _data(event: Event) -> dict[str, Any]:
    data = event.get("data")
    return data if isinstance(data, dict) else {}


def rework_line(data: dict[str, Any]) -> str:
    what = str(data.get("failure_type") or "rework")
    if data.get("files"):
        what += " in " + ", ".join(str(f) for f in data["files"])
    elif data.get("gate"):
        what += f" (gate {data['gate']})"
    return f"attempt {data.get('attempt', '?')}: sent back: {what}"


def bead_seance(store: BeadsStore, bead_id: str, handoffs: tuple[Handoff, ...] = ()) -> BeadSeance:
    events = sorted(bead_events(store, bead_id), key=lambda e: (e["ts"], e["id"]))
    sessions: list[SessionRecord] = []
    molecules: list[tuple[str, str]] = []  # (since, root) of each attempt's molecule
    reworks: list[str] = []
    for event in events:
        op, data, ts = event["op"], _data(event), str(event["ts"])
        if op in ("sling", "rework"):
            root = data.get("molecule") or (data.get("metadata") or {}).get("molecule")
            if isinstance(root, str) and root:
                molecules.append((ts, root))
        if op == "session_start":
            attempt = data.get("attempt")
            sessions.append(SessionRecord(str(data.get("session", "")), str(data.get("agent", "")),
                                          bead_id, attempt if isinstance(attempt, int) else None,
                                          ts))  # fmt: skip
        elif op == "session_end":
            running = next((s for s in reversed(sessions) if s.ended_at is None
                            and s.session == data.get("session")), None)  # fmt: skip
            if running is not None:
                running.ended_at, running.end_reason = ts, str(data.get("reason") or "ended")
        elif op == "done":
            _in_window(sessions, ts, f"gt done: merge request {data.get('mr')}")
        elif op == "escalate":
            _in_window(sessions, ts, f"asked for help ({data.get('severity')}): "
                                     f"{_problem(store, data.get('escalation'))}")  # fmt: skip
        elif op == "rework":
            line = rework_line(data)
            reworks.append(line)
            ended = [s for s in sessions if s.ended_at is not None and s.ended_at <= ts]
            if ended and ended[-1].sent_back is None:
                ended[-1].sent_back = line
    _steps_closed(store, sessions, molecules)
    for handoff in handoffs:
        _in_window([s for s in sessions if s.agent == handoff.sender], handoff.at,
                   f"handoff: {handoff.status} → {handoff.next}")  # fmt: skip
    for session in sessions:
        session.did.sort()
    return BeadSeance(bead_id, tuple(sessions), tuple(reworks))


def _in_window(sessions: list[SessionRecord], ts: str, line: str) -> None:
    for session in reversed(sessions):
        if session.started_at <= ts and (session.ended_at is None or ts <= session.ended_at):
            session.did.append(f"{ts[11:19]} {line}")
            return


def _problem(store: BeadsStore, escalation: object) -> str:
    record = store.get(str(escalation)) if escalation else None
    if record is None:
        return "?"
    return str(rec.metadata_of(record).get("problem") or record.get("title", ""))[:120]


def _steps_closed(store: BeadsStore, sessions: list[SessionRecord],
                  molecules: list[tuple[str, str]]) -> None:  # fmt: skip
    """The steps each session closed itself (not the ones `gt done` or a release closed)."""
    seen: set[str] = set()
    for _, root in molecules:
        if root in seen:
            continue
        seen.add(root)
        for step_id in molecule_steps(store.connection, root):
            step = store.get(step_id)
            if step is None or rec.status_of(step) != rec.CLOSED or step.get("close_reason"):
                continue
            closed_at = str(step.get("closed_at") or "")
            _in_window(sessions, closed_at, f"closed step {mol.step_name(step)}")


def handoffs_to(store: BeadsStore, agent: str) -> tuple[Handoff, ...]:
    """HANDOFF notes mailed to `agent` (read or not, archived too), newest first."""
    wanted = ListFilter(types=["message"], assignee=agent, labels=[HANDOFF_LABEL],
                        include_closed=True)  # fmt: skip
    found = list_beads(store.connection, wanted)
    notes = []
    for message in found:
        metadata = rec.metadata_of(message)
        sender = label_value(rec.labels_of(message), "from") or str(message.get("sender", ""))
        notes.append(Handoff(str(message["id"]), sender, agent, str(message.get("created_at")),
                             str(metadata.get("context", "")), str(metadata.get("status", "")),
                             str(metadata.get("next", ""))))  # fmt: skip
    return tuple(sorted(notes, key=lambda h: h.at, reverse=True))


def agent_seance(store: BeadsStore, agent: str) -> AgentSeance:
    """The sessions of `agent` on its most recent beads (newest first) and its handoffs."""
    events = op_events(store.paths.events, SESSION_OPS).read()
    beads: list[str] = []
    for event in reversed(events):
        bead = _data(event).get("bead") or event.get("bead")
        if _data(event).get("agent") == agent and isinstance(bead, str) and bead not in beads:
            beads.append(bead)
            if len(beads) >= BEADS_SHOWN:
                break
    handoffs = handoffs_to(store, agent)
    sessions = [session for bead in beads for session in bead_seance(store, bead, handoffs).sessions
                if session.agent == agent]  # fmt: skip
    sessions.sort(key=lambda s: s.started_at, reverse=True)
    return AgentSeance(agent, tuple(sessions), handoffs)
