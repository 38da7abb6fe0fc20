"""Changing convoys: `create_convoy`, `add_to_convoy`, `land_convoy`, and the daemon's stranded
mark (DESIGN §4). Reading them is `convoys`; every change is one write transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.ids import TOWN_PREFIX
from gastown_tui.store.write_transaction import WriteTransaction, write_transaction
from gastown_tui.town.comms.mail import check_recipient, send_mail
from gastown_tui.town.convoys.convoys import (
    CONVOY_TYPE,
    LANDED,
    TRACKS,
    ConvoyStatus,
    convoy_status,
    member_ids,
    require_convoy,
)
from gastown_tui.town.town import Town, TownError

PARENT_TYPES = ("parent-child", "parent", "parent_child")


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
    with write_transaction(town.store, actor) as tx:
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
    record = require_convoy(town, convoy_id)
    if rec.status_of(record) == rec.CLOSED:
        raise TownError(f"convoy {convoy_id} has landed; create a new one for more work")
    wanted = _members_to_track(town, members, from_epic)
    if not wanted:
        raise TownError("name the beads to add (or --from-epic)")
    with write_transaction(town.store, actor) as tx:
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
    with write_transaction(town.store, actor) as tx:
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
