"""The Witness patrol, per rig (DESIGN §6): each queued MR's branch is checked in repo.git at
its commit and MERGE_READY goes to the refinery; a dirty worktree left behind by a crashed
`gt done` (no session, nothing running) gets RECOVERY_NEEDED to the deacon, once.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from gastown_tui.core import merge_queue as mq
from gastown_tui.core import record as rec
from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.runtime.git_repo import GitError, git_run, is_dirty, rev_parse
from gastown_tui.store.bead_queries import ListFilter, list_beads
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.comms.mail import send_mail
from gastown_tui.town.hooks import hook_queue, running_bead
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.supervision.patrol_tick import PatrolTick
from gastown_tui.town.town import Town
from gastown_tui.town.work.work_sessions import ensure_repository


@dataclass
class WitnessMemory:
    reported: set[str] = field(default_factory=set)  # what was already said, not to repeat it


def witness_patrol(town: Town, rig: RigSettings, memory: WitnessMemory,
                   tick: PatrolTick) -> list[dict[str, Any]]:  # fmt: skip
    actor = f"{rig.name}/witness"
    findings = _verify_requests(town, rig, memory, actor)
    findings += _dirty_worktrees(town, rig, memory, tick, actor)
    return findings


def _verify_requests(town: Town, rig: RigSettings, memory: WitnessMemory,
                     actor: str) -> list[dict[str, Any]]:  # fmt: skip
    findings: list[dict[str, Any]] = []
    repository = ensure_repository(town, rig)
    requests = list_beads(town.store.connection, ListFilter(types=["merge-request"]))
    for mr in requests:
        metadata = rec.metadata_of(mr)
        if metadata.get("rig") != rig.name or mq.state_of(mr) != mq.QUEUED:
            continue
        if metadata.get("verified"):
            continue
        branch = str(metadata.get("branch"))
        at = rev_parse(repository, f"refs/heads/{branch}")
        if at is None or at != metadata.get("commit_sha"):
            key = f"unverified|{mr['id']}|{at}"
            if key not in memory.reported:
                memory.reported.add(key)
                findings.append({"mr": mr["id"], "branch": branch, "problem":
                                 "branch missing" if at is None else "branch moved"})  # fmt: skip
            continue
        with write_transaction(town.store, actor) as tx:
            current = tx.get(mr["id"])  # a replaced witness generation may have been quicker
            if current is None or rec.metadata_of(current).get("verified"):
                continue
            tx.emit("update", mr["id"], {"metadata": {"verified": True}})
            send_mail(tx, f"{rig.name}/refinery", "MERGE_READY",
                      {"mr": mr["id"], "branch": branch, "verified": "yes"},
                      subject=f"MERGE_READY {metadata.get('source_issue')}")  # fmt: skip
        findings.append({"mr": mr["id"], "action": "merge_ready"})
    return findings


def _dirty_worktrees(town: Town, rig: RigSettings, memory: WitnessMemory, tick: PatrolTick,
                     actor: str) -> list[dict[str, Any]]:  # fmt: skip
    findings: list[dict[str, Any]] = []
    folder = town.paths.rigs / rig.name / "polecats"
    if not folder.is_dir():
        return findings
    for worktree in sorted(p for p in folder.iterdir() if p.is_dir()):
        name = worktree.name
        address = f"{rig.name}/polecats/{name}"
        pane = tick.sessions.get(polecat_session(rig.prefix, name))
        if pane is not None and not pane.dead:
            continue
        if running_bead(hook_queue(town.store.connection, address)) is not None:
            continue  # hooked work whose session died: the deacon's ZOMBIE, not ours
        try:
            dirty = is_dirty(worktree)
            branch = git_run(worktree, "rev-parse", "--abbrev-ref", "HEAD")
        except GitError:
            continue
        key = f"recovery|{address}|{branch}"
        if not dirty or key in memory.reported:
            continue
        memory.reported.add(key)
        issue = _bead_of_worktree(town, worktree) or "unknown"
        with write_transaction(town.store, actor) as tx:
            # The memory dies with the daemon (or a witness Boot replaced); the mail does not.
            if _recovery_requested(tx.connection, rig.name, name, branch):
                continue
            send_mail(tx, "deacon", "RECOVERY_NEEDED",
                      {"rig": rig.name, "polecat": name, "issue": issue, "branch": branch,
                       "cleanup_status": "has_uncommitted"},
                      subject=f"RECOVERY_NEEDED {address}")  # fmt: skip
        findings.append({"polecat": address, "issue": issue, "branch": branch,
                         "action": "recovery_needed"})  # fmt: skip
    return findings


def _recovery_requested(connection: sqlite3.Connection, rig: str, polecat: str,
                        branch: str) -> bool:  # fmt: skip
    """Whether a RECOVERY_NEEDED for this polecat's branch was ever sent (read or not)."""
    row = connection.execute(
        "SELECT 1 FROM beads WHERE issue_type = 'message' AND tombstone = 0 "
        "AND json_extract(record, '$.metadata.msg_type') = 'RECOVERY_NEEDED' "
        "AND json_extract(record, '$.metadata.rig') = ? "
        "AND json_extract(record, '$.metadata.polecat') = ? "
        "AND json_extract(record, '$.metadata.branch') = ? LIMIT 1",
        (rig, polecat, branch),
    ).fetchone()
    return row is not None


def _bead_of_worktree(town: Town, worktree: Any) -> str | None:
    row = town.store.connection.execute(
        "SELECT id FROM beads WHERE json_extract(record, '$.metadata.worktree') = ? "
        "ORDER BY json_extract(record, '$.metadata.started_at') DESC LIMIT 1",
        (str(worktree),),
    ).fetchone()
    return str(row[0]) if row else None
