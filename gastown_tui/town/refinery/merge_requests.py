"""`gt mq list|status|retry|reject`: the merge queue as the operator sees and steers it."""

from __future__ import annotations

from typing import Any, TypedDict

from gastown_tui.core import events as ev
from gastown_tui.core import merge_queue as mq
from gastown_tui.core import record as rec
from gastown_tui.core.hook_queue import on_hook
from gastown_tui.store.bead_queries import ListFilter, list_beads
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.town import Town, TownError


def queue_rows(town: Town, rig: str | None, include_closed: bool) -> list[dict[str, Any]]:
    """MRs with their state and queue position (1 = next), waiting ones first in score order."""
    town.store.projection.catch_up()
    found = list_beads(
        town.store.connection, ListFilter(types=["merge-request"], include_closed=include_closed)
    )
    if rig is not None:
        town.rig(rig)
        found = [mr for mr in found if rec.metadata_of(mr).get("rig") == rig]
    return in_queue_order(found)


def in_queue_order(found: list[rec.Record]) -> list[dict[str, Any]]:
    """`found` MRs with state and position per rig: waiting ones in score order, then the rest
    newest first (the read model calls this on what it read, without catching up again)."""
    waiting = mq.in_score_order([mr for mr in found if mq.state_of(mr) in mq.WAITING])
    rest = sorted((mr for mr in found if mq.state_of(mr) not in mq.WAITING),
                  key=lambda mr: str(mr.get("updated_at", "")), reverse=True)  # fmt: skip
    rows = []
    positions: dict[str, int] = {}
    for mr in waiting:
        rig_name = str(rec.metadata_of(mr).get("rig"))
        positions[rig_name] = positions.get(rig_name, 0) + 1
        rows.append({**mr, "position": positions[rig_name], "state": mq.state_of(mr)})
    rows += [{**mr, "position": None, "state": mq.state_of(mr)} for mr in rest]
    return rows


def require_mr(town: Town, mr_id: str) -> rec.Record:
    record = town.store.get(mr_id)
    if record is None or rec.type_of(record) != "merge-request":
        raise TownError(f"no merge request {mr_id!r}")
    return record


class MrRetried(TypedDict):
    """A merge request queued again, and the state it was in."""

    mr: str
    state: str
    was: str


class MrRejected(TypedDict):
    """A merge request closed as rejected, and the bead that went back to open work."""

    mr: str
    state: str
    bead: str
    reason: str


def retry(town: Town, mr_id: str, actor: str) -> MrRetried:
    """Queue an MR again (a flaky failure, a fixed target, a stale claim).

    Checked against the state inside the write lock, so a refinery or a worker acting at the
    same moment cannot slip between the check and the write.
    """
    require_mr(town, mr_id)
    with write_transaction(town.store, actor) as tx:
        mr = tx.get(mr_id)
        assert mr is not None
        state = mq.state_of(mr)
        if state in (mq.QUEUED, mq.MERGED, mq.SUPERSEDED):
            raise TownError(f"{mr_id} is {state}: there is nothing to retry")
        bead_id = str(rec.metadata_of(mr).get("source_issue"))
        bead = tx.get(bead_id)
        if bead is not None:
            _check_bead_can_take(bead, mr_id)
        refinery = f"{rec.metadata_of(mr).get('rig')}/refinery"
        ts = tx.stamp()
        tx.emit(ev.REOPEN, mr_id, {"set": {"status": "open", "updated_at": ts},
                                   "unset": ["closed_at", "close_reason"],
                                   "metadata": {"state": mq.QUEUED, "claimed_at": None,
                                                "retried_by": actor}}, ts)  # fmt: skip
        if bead is not None:
            tx.emit("update", bead_id, {"set": {"status": "in_progress", "assignee": refinery},
                                        "metadata": {"mr": mr_id}})  # fmt: skip
    return MrRetried(mr=mr_id, state=mq.QUEUED, was=state)


def _check_bead_can_take(bead: rec.Record, mr_id: str) -> None:
    """A retried MR hands its bead back to the refinery: refuse when the bead has moved on
    (landed, on a worker's hook, or handed over with a newer MR), or two attempts would race."""
    bead_id = str(bead["id"])
    metadata = rec.metadata_of(bead)
    if metadata.get("session"):
        raise TownError(f"{bead_id} is being reworked in a live session "
                        f"({metadata['session']}); let it finish or unsling it")  # fmt: skip
    status = rec.status_of(bead)
    if status == rec.CLOSED:
        raise TownError(f"{bead_id} is already closed: there is nothing to retry")
    if on_hook(bead):
        raise TownError(f"{bead_id} is on the hook of {bead.get('assignee')}; unsling it first")
    current = metadata.get("mr")
    if isinstance(current, str) and current != mr_id:
        raise TownError(f"{bead_id} moved on to {current}: retry that one instead")


def reject(town: Town, mr_id: str, reason: str, actor: str) -> MrRejected:
    """Refuse an MR for good: it closes as `rejected`, its bead goes back to open work."""
    require_mr(town, mr_id)
    with write_transaction(town.store, actor) as tx:
        mr = tx.get(mr_id)  # the state inside the lock: the refinery may have just claimed it
        assert mr is not None
        state = mq.state_of(mr)
        if state in (mq.MERGED, mq.REJECTED, mq.SUPERSEDED):
            raise TownError(f"{mr_id} is already {state}")
        if state == mq.TESTING:
            raise TownError(f"{mr_id} is being tested right now; reject it when the run ends")
        bead_id = str(rec.metadata_of(mr).get("source_issue"))
        ts = tx.stamp()
        tx.emit(
            ev.CLOSE,
            mr_id,
            {
                "set": {"status": "closed", "closed_at": ts, "close_reason": f"rejected: {reason}"},
                "metadata": {"state": mq.REJECTED, "rejected_by": actor},
            },
            ts,
        )
        bead = tx.get(bead_id)
        if bead is not None and rec.metadata_of(bead).get("mr") == mr_id:
            tx.emit(
                "update",
                bead_id,
                {
                    "set": {"status": "open"},
                    "unset": ["assignee"],
                    "metadata": {"mr": None, "rejected_mr": mr_id},
                },
            )
    return MrRejected(mr=mr_id, state=mq.REJECTED, bead=bead_id, reason=reason)
