"""`gt convoy create|add|status|list|land|stranded`: the convoy engine (DESIGN §4).

A convoy's members are the beads its `tracks` edges point at, in any rig. Progress is closed
members over all members. Each member has a state the operator can act on:

- `closed`: landed (or closed by hand);
- `merging`: in the Refinery's queue (`in_progress`, assigned to `<rig>/refinery`);
- `working`: on a hook (hooked or in progress with a worker);
- `ready`: open and ready (DESIGN §3), so a polecat could take it now;
- `waiting`: open but blocked, deferred or held for a human.

A convoy is *stranded* when it has ready members and none working or merging: nothing moves
until someone slings. Changes (create, add, land, the stranded mark) are `convoy_changes`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

from gastown_tui.core import record as rec
from gastown_tui.core.timestamps import format_ts
from gastown_tui.store.readiness import ready
from gastown_tui.town.town import Town, TownError

CONVOY_TYPE = "convoy"
TRACKS = "tracks"
LANDED = "landed"
MEMBER_STATES = ("closed", "merging", "working", "ready", "waiting")
IN_FLIGHT = frozenset({"merging", "working"})


@dataclass(frozen=True)
class ConvoyMember:
    id: str
    title: str
    rig: str | None
    status: str
    state: str  # one of MEMBER_STATES
    assignee: str | None
    priority: int


@dataclass(frozen=True)
class ConvoyStatus:
    id: str
    title: str
    landed: bool
    stranded_mark: bool  # what the daemon last said (metadata.stranded)
    notify: str | None
    created_by: str
    created_at: str
    landed_at: str | None
    members: tuple[ConvoyMember, ...]

    @property
    def closed(self) -> int:
        return sum(1 for member in self.members if member.state == "closed")

    @property
    def total(self) -> int:
        return len(self.members)

    @property
    def fraction(self) -> float:
        return self.closed / self.total if self.total else 0.0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.closed == self.total

    def in_state(self, *states: str) -> tuple[ConvoyMember, ...]:
        return tuple(member for member in self.members if member.state in states)

    @property
    def stranded(self) -> bool:
        """Ready work and nobody on any of it: the convoy does not move by itself."""
        return not self.landed and bool(self.in_state("ready")) and not self.in_state(*IN_FLIGHT)

    def by_rig(self) -> dict[str, tuple[ConvoyMember, ...]]:
        rigs: dict[str, list[ConvoyMember]] = {}
        for member in self.members:
            rigs.setdefault(member.rig or "-", []).append(member)
        return {rig: tuple(found) for rig, found in sorted(rigs.items())}

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update({"closed": self.closed, "total": self.total, "stranded": self.stranded,
                     "progress": round(self.fraction, 4)})  # fmt: skip
        return data


# -- reading ------------------------------------------------------------------------------------


def convoy_ids(connection: sqlite3.Connection, *, include_landed: bool = True) -> list[str]:
    rows = connection.execute(
        "SELECT id FROM beads WHERE issue_type = ? AND tombstone = 0 "
        + ("" if include_landed else "AND status != 'closed' ")
        + "ORDER BY status = 'closed', created_key, id",
        (CONVOY_TYPE,),
    )
    return [str(row[0]) for row in rows]


def member_ids(connection: sqlite3.Connection, convoy_id: str) -> list[str]:
    rows = connection.execute(
        "SELECT DISTINCT depends_on_id FROM deps WHERE issue_id = ? AND type = ? ORDER BY rowid",
        (convoy_id, TRACKS),
    )
    return [str(row[0]) for row in rows]


def member_state(record: rec.Record, ready_ids: set[str]) -> str:
    status = rec.status_of(record)
    if status == rec.CLOSED:
        return "closed"
    assignee = str(record.get("assignee") or "")
    if status == "in_progress" and assignee.endswith("/refinery"):
        return "merging"
    if status in ("hooked", "in_progress"):
        return "working"
    return "ready" if record["id"] in ready_ids else "waiting"


def ready_ids(town: Town) -> set[str]:
    return {str(r["id"]) for r in ready(town.store.connection, format_ts(town.clock.now()))}


def convoy_status(town: Town, convoy_id: str, ready_now: set[str] | None = None) -> ConvoyStatus:
    record = require_convoy(town, convoy_id)
    ready_now = ready_ids(town) if ready_now is None else ready_now
    members = []
    for member_id in member_ids(town.store.connection, convoy_id):
        member = town.store.get(member_id)
        if member is None or rec.is_tombstone(member):
            continue
        rig = town.rig_of(member)
        assignee = member.get("assignee")
        members.append(ConvoyMember(
            id=member_id, title=str(member.get("title", "")), rig=rig.name if rig else None,
            status=rec.status_of(member), state=member_state(member, ready_now),
            assignee=assignee if isinstance(assignee, str) else None,
            priority=rec.priority_of(member),
        ))  # fmt: skip
    metadata = rec.metadata_of(record)
    notify = metadata.get("notify")
    landed_at = metadata.get("landed_at") or record.get("closed_at")
    return ConvoyStatus(
        id=convoy_id, title=str(record.get("title", "")),
        landed=rec.status_of(record) == rec.CLOSED, stranded_mark=bool(metadata.get("stranded")),
        notify=notify if isinstance(notify, str) else None,
        created_by=str(record.get("created_by") or ""), created_at=str(record.get("created_at")),
        landed_at=str(landed_at) if landed_at else None, members=tuple(members),
    )  # fmt: skip


def list_convoys(town: Town, *, include_landed: bool = True) -> list[ConvoyStatus]:
    ready_now = ready_ids(town)
    ids = convoy_ids(town.store.connection, include_landed=include_landed)
    return [convoy_status(town, convoy_id, ready_now) for convoy_id in ids]


def stranded_convoys(town: Town) -> list[ConvoyStatus]:
    """Open convoys with ready members and none being worked on or merged."""
    return [convoy for convoy in list_convoys(town, include_landed=False) if convoy.stranded]


def require_convoy(town: Town, convoy_id: str) -> rec.Record:
    record = town.store.get(convoy_id)
    if record is None or rec.is_tombstone(record):
        raise TownError(f"no convoy {convoy_id!r} (gt convoy list shows them)")
    if rec.type_of(record) != CONVOY_TYPE:
        raise TownError(f"{convoy_id} is a {rec.type_of(record)}, not a convoy")
    return record


def convoys_of(connection: sqlite3.Connection) -> dict[str, list[str]]:
    """bead id → the convoys tracking it (every convoy, landed ones too)."""
    found: dict[str, list[str]] = {}
    rows = connection.execute(
        "SELECT d.depends_on_id, d.issue_id FROM deps d JOIN beads b ON b.id = d.issue_id "
        "WHERE d.type = ? AND b.issue_type = ? AND b.tombstone = 0",
        (TRACKS, CONVOY_TYPE),
    )
    for bead, convoy in rows:
        found.setdefault(str(bead), []).append(str(convoy))
    return found
