"""`gt convoy create|add|status|list|land|stranded`: the convoy engine (DESIGN §4).

A convoy's members are the beads its `tracks` edges point at, in any rig. Progress is closed
members over all members. Each member has a state the operator can act on:

- `closed`: landed (or closed by hand);
- `merging`: in the Refinery's queue (`in_progress`, assigned to `<rig>/refinery`);
- `working`: on a hook (hooked or in progress with a worker);
- `ready`: open and ready (DESIGN §3), so a polecat could take it now;
- `waiting`: open but blocked, deferred or held for a human.

A convoy is *stranded* when it has ready members and none working or merging: nothing moves
until someone slings. `land` closes a convoy (refused while members are open, unless forced)
and mails its `notify` address, else whoever created it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.ids import TOWN_PREFIX
from gastown_tui.core.timestamps import format_ts
from gastown_tui.store.beads_store import WriteTransaction
from gastown_tui.store.readiness import ready
from gastown_tui.town.comms.mail import check_recipient, send_mail
from gastown_tui.town.town import Town, TownError

CONVOY_TYPE = "convoy"
TRACKS = "tracks"
PARENT_TYPES = ("parent-child", "parent", "parent_child")
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


@dataclass(frozen=True)
class LandResult:
    convoy: ConvoyStatus
    landed: bool  # False when it had landed before
    notified: str | None  # the address mailed
    message: str | None  # the LIFECYCLE message's id
    forced_open: tuple[str, ...]  # members still open when it was landed with --force

    def to_json(self) -> dict[str, Any]:
        return {"convoy": self.convoy.to_json(), "landed": self.landed, "notified": self.notified,
                "message": self.message, "forced_open": list(self.forced_open)}  # fmt: skip


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
    record = _require_convoy(town, convoy_id)
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


def _require_convoy(town: Town, convoy_id: str) -> rec.Record:
    record = town.store.get(convoy_id)
    if record is None or rec.is_tombstone(record):
        raise TownError(f"no convoy {convoy_id!r} (gt convoy list shows them)")
    if rec.type_of(record) != CONVOY_TYPE:
        raise TownError(f"{convoy_id} is a {rec.type_of(record)}, not a convoy")
    return record


# -- writing ------------------------------------------------------------------------------------


def epic_children(connection: sqlite3.Connection, epic_id: str) -> list[str]:
    marks = ",".join("?" * len(PARENT_TYPES))
    rows = connection.execute(
        "SELECT d.issue_id FROM deps d JOIN beads b ON b.id = d.issue_id "
        f"WHERE d.depends_on_id = ? AND d.type IN ({marks}) AND b.tombstone = 0 "
        "ORDER BY b.created_key, b.id",
        (epic_id, *PARENT_TYPES),
    )
    return [str(row[0]) for row in rows]


def _members_to_track(town: Town, members: Iterable[str], from_epic: str | None) -> list[str]:
    wanted = list(dict.fromkeys(members))
    if from_epic is not None:
        epic = town.store.get(from_epic)
        if epic is None or rec.is_tombstone(epic):
            raise TownError(f"--from-epic: no bead {from_epic!r}")
        children = epic_children(town.store.connection, from_epic)
        if not children:
            raise TownError(f"--from-epic: {from_epic} has no children to track")
        wanted += [child for child in children if child not in wanted]
    problems = []
    for bead_id in wanted:
        record = town.store.get(bead_id)
        if record is None or rec.is_tombstone(record):
            problems.append(f"{bead_id}: no such bead")
        elif rec.type_of(record) == CONVOY_TYPE:
            problems.append(f"{bead_id}: a convoy cannot track another convoy")
    if problems:
        raise TownError("cannot track: " + "; ".join(problems))
    return wanted


def _track(tx: WriteTransaction, convoy_id: str, members: list[str], ts: str) -> list[str]:
    have = set(member_ids(tx.connection, convoy_id))
    added = [member for member in members if member not in have]
    for member in added:
        edge = {"issue_id": convoy_id, "depends_on_id": member, "type": TRACKS,
                "created_at": ts, "created_by": tx.actor}  # fmt: skip
        tx.emit(ev.DEP_ADD, convoy_id, {"dependency": edge}, ts)
    return added


def create_convoy(
    town: Town,
    name: str,
    members: Iterable[str],
    *,
    actor: str,
    from_epic: str | None = None,
    notify: str | None = None,
) -> ConvoyStatus:
    """A new convoy tracking `members` (and the children of `from_epic`); `notify` is mailed
    when it lands."""
    title = name.strip()
    if not title:
        raise TownError("a convoy needs a name")
    wanted = _members_to_track(town, members, from_epic)
    notify_address = check_recipient(town, notify) if notify else None
    with town.store.transaction(actor) as tx:
        convoy_id = tx.new_id(title, prefix=TOWN_PREFIX)
        ts = tx.stamp()
        metadata: dict[str, Any] = {"notify": notify_address} if notify_address else {}
        if from_epic:
            metadata["epic"] = from_epic
        record = {"id": convoy_id, "title": title, "status": "open", "priority": 2,
                  "issue_type": CONVOY_TYPE, "created_at": ts, "created_by": actor,
                  "updated_at": ts, "metadata": metadata}  # fmt: skip
        tx.emit(ev.CREATE, convoy_id, {"record": record}, ts)
        _track(tx, convoy_id, wanted, ts)
    return convoy_status(town, convoy_id)


def add_to_convoy(town: Town, convoy_id: str, members: Iterable[str], *, actor: str,
                  from_epic: str | None = None) -> tuple[ConvoyStatus, list[str]]:  # fmt: skip
    """Track more beads; returns the convoy and the beads that were new to it."""
    record = _require_convoy(town, convoy_id)
    if rec.status_of(record) == rec.CLOSED:
        raise TownError(f"convoy {convoy_id} has landed; create a new one for more work")
    wanted = _members_to_track(town, members, from_epic)
    if not wanted:
        raise TownError("name the beads to add (or --from-epic)")
    with town.store.transaction(actor) as tx:
        added = _track(tx, convoy_id, wanted, tx.stamp())
    return convoy_status(town, convoy_id), added


def land_convoy(town: Town, convoy_id: str, *, actor: str, force: bool = False) -> LandResult:
    """Close the convoy as landed and mail whoever is to be told. Refused while members are
    open, unless `force`; landing one that has landed changes nothing."""
    status = convoy_status(town, convoy_id)
    if status.landed:
        return LandResult(status, False, None, None, ())
    still_open = tuple(member.id for member in status.members if member.state != "closed")
    if still_open and not force:
        raise TownError(f"convoy {convoy_id} has {len(still_open)} open member(s) "
                        f"({', '.join(still_open[:5])}); --force lands it anyway")  # fmt: skip
    if not status.members and not force:
        raise TownError(f"convoy {convoy_id} tracks nothing; --force lands it anyway")
    with town.store.transaction(actor) as tx:
        current = tx.get(convoy_id)
        if current is None or rec.status_of(current) == rec.CLOSED:
            return LandResult(convoy_status(town, convoy_id), False, None, None, ())
        notified, message = _close_landed(tx, current, status, still_open)
    return LandResult(convoy_status(town, convoy_id), True, notified, message, still_open)


def _close_landed(tx: WriteTransaction, record: rec.Record, status: ConvoyStatus,
                  still_open: tuple[str, ...]) -> tuple[str | None, str | None]:  # fmt: skip
    ts = tx.stamp()
    reason = LANDED if not still_open else f"{LANDED} with {len(still_open)} open (forced)"
    tx.emit(ev.CLOSE, status.id, {
        "set": {"status": "closed", "closed_at": ts, "close_reason": reason, "updated_at": ts},
        "metadata": {"landed_at": ts, "landed_by": tx.actor, "stranded": None},
    }, ts)  # fmt: skip
    to = status.notify or (status.created_by or None)
    if not to:
        return None, None
    body = (f"Convoy {status.id} ({status.title}) landed: {status.closed}/{status.total} "
            f"members closed.\n" + "".join(f"- {m.id} [{m.rig or '-'}] {m.title}\n"
                                           for m in status.members))  # fmt: skip
    message = send_mail(tx, to, "LIFECYCLE", {"action": "convoy_landed", "target": status.id},
                        subject=f"Convoy landed: {status.title}", body=body)  # fmt: skip
    return to, message


def mark_stranded(tx: WriteTransaction, convoy_id: str, stranded: bool) -> None:
    tx.emit(ev.UPDATE, convoy_id, {"metadata": {"stranded": True if stranded else None}})


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
