"""Dogs (DESIGN §6): the town's cleaners, one pass per tick.

- stale wisps: ephemeral beads left open longer than the escalation-stale threshold;
- orphaned worktrees: a polecat worktree with nothing running in it, no session and a clean
  tree (a dirty one is the Witness's RECOVERY_NEEDED, never deleted);
- merged branches: polecat branches of MRs that landed, found with one `git for-each-ref` per
  rig and pass (not one git call per merged MR, whose number only grows);
- stale MR claims: MRs left `testing` while no refinery session runs, back to `queued` (the
  state checked again inside the write transaction, like every MR state change).
"""

from __future__ import annotations

from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core import merge_queue as mq
from gastown_tui.core import record as rec
from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.core.timestamps import parse_ts
from gastown_tui.runtime.git_repo import (
    GitError,
    branches,
    delete_branch,
    is_dirty,
    remove_worktree,
)
from gastown_tui.store import json_codec
from gastown_tui.store.bead_queries import ListFilter, list_beads
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.agents import agent_id
from gastown_tui.town.hooks import hook_queue, running_bead
from gastown_tui.town.session_names import polecat_session, refinery_session
from gastown_tui.town.supervision.patrol_tick import PatrolTick
from gastown_tui.town.town import Town
from gastown_tui.town.work.work_sessions import ensure_repository, rig_lock

ACTOR = "deacon"


def dogs_patrol(town: Town, tick: PatrolTick) -> list[dict[str, Any]]:
    findings = _stale_wisps(town, tick)
    for rig in town.rigs().values():
        findings += _orphaned_worktrees(town, rig, tick)
        findings += _merged_branches(town, rig)
        findings += _stale_claims(town, rig, tick)
    return findings


def _age(record: rec.Record, key: str, now: float) -> float:
    moment = parse_ts(str(rec.metadata_of(record).get(key) or record.get(key) or ""))
    return now - moment.timestamp() if moment else 0.0


def _stale_wisps(town: Town, tick: PatrolTick) -> list[dict[str, Any]]:
    rows = town.store.connection.execute(
        "SELECT record FROM beads WHERE ephemeral = 1 AND status NOT IN ('closed', 'tombstone')"
    ).fetchall()
    stale = []
    for (blob,) in rows:
        record = json_codec.loads(blob)
        if _age(record, "updated_at", tick.now) > town.thresholds.escalation_stale:
            stale.append(record["id"])
    if stale:
        with write_transaction(town.store, ACTOR) as tx:
            for bead_id in stale:
                ts = tx.stamp()
                tx.emit(ev.CLOSE, bead_id, {"set": {"status": "closed", "closed_at": ts,
                                                    "close_reason": "stale wisp"}}, ts)  # fmt: skip
    return [{"wisp": bead_id, "action": "closed"} for bead_id in stale]


def _orphaned_worktrees(town: Town, rig: RigSettings, tick: PatrolTick) -> list[dict[str, Any]]:
    folder = town.paths.rigs / rig.name / "polecats"
    if not folder.is_dir():
        return []
    findings = []
    for worktree in sorted(p for p in folder.iterdir() if p.is_dir()):
        name = worktree.name
        pane = tick.sessions.get(polecat_session(rig.prefix, name))
        if pane is not None and not pane.dead:
            continue
        with rig_lock(town, rig.name):  # no session starts in it while we look
            town.store.projection.catch_up()
            address = f"{rig.name}/polecats/{name}"
            known = town.store.get(agent_id(rig.prefix, name)) is not None
            if known and running_bead(hook_queue(town.store.connection, address)) is not None:
                continue
            try:
                if is_dirty(worktree):
                    continue
                remove_worktree(ensure_repository(town, rig), worktree)
            except GitError:
                continue
        findings.append({"worktree": str(worktree), "polecat": address, "action": "removed",
                         "reason": "no agent" if not known else "nothing running"})  # fmt: skip
    return findings


def _merged_branches(town: Town, rig: RigSettings) -> list[dict[str, Any]]:
    merged: dict[str, str] = {}  # branch -> the MR that landed it
    for mr in list_beads(town.store.connection,
                         ListFilter(types=["merge-request"], statuses=["closed"])):  # fmt: skip
        metadata = rec.metadata_of(mr)
        branch = str(metadata.get("branch") or "")
        landed = metadata.get("rig") == rig.name and mq.state_of(mr) == mq.MERGED
        if landed and branch.startswith("polecat/"):
            merged[branch] = str(mr["id"])
    if not merged:
        return []
    repository = ensure_repository(town, rig)
    try:
        present = set(branches(repository, "polecat"))  # every polecat branch, one git call
    except GitError:
        return []
    findings = []
    for branch in sorted(merged.keys() & present):
        try:
            delete_branch(repository, branch)
        except GitError:
            continue  # checked out in a worktree: a later pass takes it
        findings.append({"branch": branch, "mr": merged[branch], "action": "deleted"})
    return findings


def _stale_claims(town: Town, rig: RigSettings, tick: PatrolTick) -> list[dict[str, Any]]:
    refinery = tick.sessions.get(refinery_session(rig.prefix))
    if refinery is not None and not refinery.dead:
        return []
    testing = [
        mr
        for mr in list_beads(town.store.connection, ListFilter(types=["merge-request"]))
        if rec.metadata_of(mr).get("rig") == rig.name and mq.state_of(mr) == mq.TESTING
    ]
    stale = {
        mr["id"]: rec.metadata_of(mr).get("claimed_at")
        for mr in testing
        if _age(mr, "claimed_at", tick.now) > town.thresholds.heartbeat_stale
    }
    requeued = []
    if stale:
        with write_transaction(town.store, ACTOR) as tx:
            for mr_id, claimed_at in stale.items():
                # Checked again inside the transaction: a refinery run outside a session (gt
                # refinery run) may have landed, rejected or claimed it afresh meanwhile.
                current = tx.get(mr_id)
                if (current is None or mq.state_of(current) != mq.TESTING
                        or rec.metadata_of(current).get("claimed_at") != claimed_at):  # fmt: skip
                    continue
                tx.emit("update", mr_id, {"metadata": {"state": mq.QUEUED, "claimed_at": None}})
                requeued.append(mr_id)
    return [{"mr": mr_id, "action": "requeued", "reason": "stale claim"} for mr_id in requeued]
