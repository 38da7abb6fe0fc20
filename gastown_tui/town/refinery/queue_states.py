"""The Refinery's state changes of a merge request (DESIGN §4, §6), each checked against the
MR's state inside the same write transaction that changes it.

An operator (`gt mq reject`, `gt mq retry`) and a worker (`gt done` superseding an older
attempt) may act on an MR while the Refinery works on it, so no decision here rests on what
the Refinery read earlier:

- a claim takes only a `queued` MR (it never overwrites `rejected` or `superseded`);
- landing re-reads the MRs inside the transaction and moves the target (git's compare-and-swap
  `update-ref`) from inside it, only for MRs still `testing`: the store's writers' lock is
  held from the check to the `merged` events, so nobody can reject or supersede an MR between
  them, and an MR rejected or superseded while its gates ran never reaches the target;
- requeueing and marking `failed` touch only an MR still `testing` (or `queued`).

A crash after the target moved and before the transaction committed leaves the MR `testing`
with its commit on the target; `Refinery.recover` finishes it as merged on the next start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from gastown_tui.core import events as ev
from gastown_tui.core import merge_queue as mq
from gastown_tui.core import record as rec
from gastown_tui.runtime.fault_seams import fault_point
from gastown_tui.store.write_transaction import WriteTransaction, write_transaction
from gastown_tui.town.comms.mail import send_mail
from gastown_tui.town.refinery.git_steps import move_target
from gastown_tui.town.town import Town


@dataclass(frozen=True)
class Landing:
    """What `land` did: how many MRs of the stack landed (a prefix), on which commit, and
    whether the target had moved under us (then nothing landed: squash again)."""

    landed: int
    tip: str | None = None
    target_moved: bool = False


def claim(town: Town, mr_id: str, actor: str) -> str | None:
    """`queued` → `testing`; returns None when claimed, else the state that stopped it."""
    with write_transaction(town.store, actor) as tx:
        current = tx.get(mr_id)
        state = mq.state_of(current) if current is not None else "gone"
        if current is None or state != mq.QUEUED or rec.status_of(current) == rec.CLOSED:
            return state
        metadata = rec.metadata_of(current)
        ts = tx.stamp()
        tx.emit("update", mr_id, {"metadata": {"state": mq.TESTING, "claimed_at": ts}}, ts)
        tx.emit("merge_started", mr_id, {
            "mr": mr_id, "bead": metadata.get("source_issue"), "agent": metadata.get("worker"),
            "attempt": metadata.get("attempt"),
        })  # fmt: skip
    return None


def requeue(town: Town, mr_ids: Iterable[str], actor: str) -> list[str]:
    """`testing` → `queued` for each MR still `testing`; returns those requeued."""
    done = []
    with write_transaction(town.store, actor) as tx:
        for mr_id in mr_ids:
            current = tx.get(mr_id)
            if current is not None and mq.state_of(current) == mq.TESTING:
                tx.emit("update", mr_id, {"metadata": {"state": mq.QUEUED, "claimed_at": None}})
                done.append(mr_id)
    return done


def land(town: Town, actor: str, rig_name: str, repository: Path, target: str,
         stack: list[tuple[rec.Record, str]], base: str, note: str = "") -> Landing:  # fmt: skip
    """Move `target` from `base` to the last commit of the longest prefix of `stack` whose MRs
    are all still `testing`, and close those MRs as merged, under one write transaction."""
    with write_transaction(town.store, actor) as tx:
        ready = 0
        for mr, _ in stack:
            current = tx.get(mr["id"])
            if current is None or mq.state_of(current) != mq.TESTING:
                break
            ready += 1
        if ready == 0:
            return Landing(0)
        tip = stack[ready - 1][1]
        if not move_target(repository, target, tip, base):
            return Landing(0, target_moved=True)
        fault_point("refinery.after_land")
        for mr, commit in stack[:ready]:
            current = tx.get(mr["id"])
            assert current is not None
            close_merged(tx, rig_name, current, commit, note)
    return Landing(ready, tip)


def finish_merged(town: Town, actor: str, rig_name: str, mr_id: str, commit: str,
                  note: str) -> bool:  # fmt: skip
    """Close an MR still `testing` whose commit is already on the target (nothing new to land,
    or found there after a crash); False when it is no longer `testing`."""
    with write_transaction(town.store, actor) as tx:
        current = tx.get(mr_id)
        if current is None or mq.state_of(current) != mq.TESTING:
            return False
        close_merged(tx, rig_name, current, commit, note)
    return True


def close_merged(tx: WriteTransaction, rig_name: str, mr: rec.Record, commit: str,
                 note: str) -> None:  # fmt: skip
    """The events of a landed MR: MR and bead closed, `merged`, MERGED to the witness."""
    metadata = rec.metadata_of(mr)
    bead_id = str(metadata.get("source_issue"))
    ts = tx.stamp()
    tx.emit(ev.CLOSE, mr["id"], {
        "set": {"status": "closed", "closed_at": ts, "close_reason": "merged"},
        "metadata": {"state": mq.MERGED, "merge_commit": commit, "merged_at": ts,
                     **({"note": note} if note else {})},
    }, ts)  # fmt: skip
    bead = tx.get(bead_id)
    if bead is not None and rec.status_of(bead) != rec.CLOSED:
        ts = tx.stamp()
        tx.emit(ev.CLOSE, bead_id, {"set": {"status": "closed", "closed_at": ts,
                                            "close_reason": f"merged in {commit[:12]}"},
                                    "metadata": {"merge_commit": commit}}, ts)  # fmt: skip
    tx.emit("merged", mr["id"], {
        "mr": mr["id"], "bead": bead_id, "agent": metadata.get("worker"),
        "attempt": metadata.get("attempt"), "merge_commit": commit,
    })  # fmt: skip
    send_mail(tx, f"{rig_name}/witness", "MERGED",
              {"mr": mr["id"], "issue": bead_id, "merge_commit": commit},
              subject=f"MERGED {bead_id}")  # fmt: skip


def mark_failed(town: Town, actor: str, rig_name: str, mr_id: str, error: str) -> bool:
    """An error the Refinery did not expect, while it worked on this MR: the MR closes as
    `failed` with the error, so the queue can move on (DESIGN §6). False when the MR had
    already moved on (merged, sent back, rejected, superseded)."""
    with write_transaction(town.store, actor) as tx:
        current = tx.get(mr_id)
        if current is None or mq.state_of(current) not in mq.WAITING:
            return False
        metadata = rec.metadata_of(current)
        bead_id = str(metadata.get("source_issue"))
        ts = tx.stamp()
        tx.emit(ev.CLOSE, mr_id, {
            "set": {"status": "closed", "closed_at": ts, "close_reason": mq.FAILED},
            "metadata": {"state": mq.FAILED, "failure_type": "other", "error": error,
                         "failed_at": ts},
        }, ts)  # fmt: skip
        tx.emit("merge_failed", mr_id, {
            "mr": mr_id, "bead": bead_id, "agent": metadata.get("worker"),
            "attempt": metadata.get("attempt"), "failure_type": "other", "error": error,
        })  # fmt: skip
        send_mail(tx, f"{rig_name}/witness", "MERGE_FAILED",
                  {"mr": mr_id, "issue": bead_id, "failure_type": "other",
                   "error": error[:300]}, subject=f"MERGE_FAILED {bead_id}")  # fmt: skip
    return True
