"""`gt done` (DESIGN §6): commit what is left, check there is work, push, file the merge request,
mail POLECAT_DONE, remove the worktree, end the session — each step idempotent, so running it
again after a crash finishes the job without a second MR. Crew keep worktree and session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.addresses import Address, AddressError, parse_address
from gastown_tui.core.display_text import strip_control
from gastown_tui.core.hook_queue import attempt_of
from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.runtime.fault_seams import fault_point
from gastown_tui.runtime.git_repo import (
    GitError,
    commit_all,
    commits_ahead,
    git_run,
    is_dirty,
    remove_worktree,
    rev_parse,
)
from gastown_tui.store.bead_queries import ListFilter, list_beads
from gastown_tui.store.write_transaction import WriteTransaction, write_transaction
from gastown_tui.town.agents import agent_id
from gastown_tui.town.comms.mail import send_mail
from gastown_tui.town.costs.usage_recording import record_claude_session_usage
from gastown_tui.town.hooks import hook_queue, running_bead
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.molecule_close import close_molecule
from gastown_tui.town.work.work_sessions import ensure_repository, start_next

MR_OPEN_STATES = ("queued", "testing", "conflict", "failed")


@dataclass
class DoneResult:
    bead: str
    agent: str
    mr: str
    branch: str
    commit: str
    exit: str = "MERGED"
    steps: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def worker_address(town: Town, explicit: str | None, actor: str, cwd: Path) -> Address:
    """The polecat or crew member running `gt done`: --agent, else the actor, else the cwd."""
    for text in (explicit, actor):
        if text:
            try:
                address = parse_address(text)
            except AddressError:
                continue
            if address.is_worker:
                return address
    here = cwd.resolve()
    rigs_dir = town.paths.rigs.resolve()
    if here.is_relative_to(rigs_dir):
        parts = here.relative_to(rigs_dir).parts
        if len(parts) >= 3 and parts[1] in ("polecats", "crew"):
            return parse_address("/".join(parts[:3]))
    raise TownError("gt done is for a polecat or a crew member: run it in a worktree, or give "
                    "--agent <rig>/polecats/<name>")  # fmt: skip


def _find_bead(town: Town, address: Address, issue: str | None) -> rec.Record:
    store = town.store
    wanted = issue or (town.environ.get("GT_BEAD") if address.role == "polecat" else None)
    if wanted:
        record = store.get(wanted)
        if record is None:
            raise TownError(f"no bead {wanted!r}")
        return record
    queue = hook_queue(store.connection, str(address))
    current = running_bead(queue) or (queue[0] if address.role == "crew" and queue else None)
    if current is not None:
        return current
    # A second run after a crash: the bead already went to the refinery, its worktree remains.
    refinery = f"{address.rig}/refinery"
    waiting = list_beads(store.connection, ListFilter(statuses=["in_progress"], assignee=refinery))
    mine = [r for r in waiting if rec.metadata_of(r).get("done_by") == str(address)]
    if mine:
        return max(mine, key=lambda r: str(rec.metadata_of(r).get("done_at", "")))
    raise TownError(f"{address} has no work on its hook to submit")


def done(town: Town, explicit_agent: str | None, issue: str | None, actor: str,
         cwd: Path) -> DoneResult:  # fmt: skip
    address = worker_address(town, explicit_agent, actor, cwd)
    assert address.rig is not None and address.name is not None
    rig = town.rig(address.rig)
    record = _find_bead(town, address, issue)
    metadata = rec.metadata_of(record)
    is_crew = address.role == "crew"
    default_worktree = (town.paths.crew if is_crew else town.paths.polecat)(rig.name, address.name)
    worktree = default_worktree if is_crew else Path(metadata.get("worktree") or default_worktree)
    repository = ensure_repository(town, rig)
    branch = _branch(metadata, worktree, is_crew)
    steps: list[str] = []
    existing_mr = _existing_mr(town, record)
    if existing_mr is None:
        if worktree.exists() and is_dirty(worktree):
            message = strip_control(f"{record['id']}: {record.get('title', '')}\n\n(gt done)")
            commit_all(worktree, message)
            steps.append("committed leftover changes")
        if rev_parse(repository, f"refs/heads/{branch}") is None:
            raise TownError(f"branch {branch} is not in the rig's repository")
        if commits_ahead(repository, rig.default_branch, branch) == 0:
            raise TownError(f"nothing to submit: {branch} has no commits ahead of "
                            f"{rig.default_branch}")  # fmt: skip
        steps.append(f"pushed {branch}")  # worktrees commit straight into repo.git
        fault_point("done.after_push")
        existing_mr = _file_request(town, rig, address, record, branch, repository, actor)
        steps.append(f"filed {existing_mr}")
        if not is_crew and record_claude_session_usage(town, record["id"], metadata,
                                                       str(address), worktree):  # fmt: skip
            steps.append("recorded the session's token usage from its Claude transcript")
        fault_point("done.after_mr")
    commit = rev_parse(repository, f"refs/heads/{branch}") or ""
    if not is_crew:
        if worktree.exists():
            try:
                remove_worktree(repository, worktree)
            except GitError as error:
                raise TownError(f"cannot remove the worktree {worktree}: {error}") from error
            steps.append("removed the worktree")
        steps += _end_session(town, rig, address.name, actor)
    return DoneResult(record["id"], str(address), existing_mr, branch, commit, steps=steps)


def _branch(metadata: dict[str, Any], worktree: Path, is_crew: bool) -> str:
    branch = metadata.get("branch")
    if isinstance(branch, str) and branch and not is_crew:
        return branch
    if worktree.exists():
        return git_run(worktree, "rev-parse", "--abbrev-ref", "HEAD")
    raise TownError("cannot tell which branch to submit: the bead has no branch and no worktree")


def _existing_mr(town: Town, record: rec.Record) -> str | None:
    """The MR already filed for this bead's current attempt, if any (the idempotence check)."""
    mr_id = rec.metadata_of(record).get("mr")
    if not isinstance(mr_id, str):
        return None
    mr = town.store.get(mr_id)
    if mr is None or rec.metadata_of(mr).get("attempt") != attempt_of(record):
        return None
    return mr_id


def _file_request(town: Town, rig: RigSettings, address: Address, record: rec.Record,
                  branch: str, repository: Path, actor: str) -> str:  # fmt: skip
    """One batch: the MR bead, the bead handed to the refinery, its molecule closed, the mail."""
    with write_transaction(town.store, actor) as tx:
        current = tx.get(record["id"])
        assert current is not None
        already = _existing_mr(town, current) if rec.metadata_of(current).get("mr") else None
        if already is not None and tx.get(already) is not None:
            return already
        attempt = attempt_of(current)
        commit = rev_parse(repository, f"refs/heads/{branch}") or ""
        mr_id = tx.new_id(f"mr|{record['id']}|{attempt}", infix="mr", prefix=rig.prefix)
        ts = tx.stamp()
        refinery = f"{rig.name}/refinery"
        title = f"Merge: {record['id']} {current.get('title', '')}".rstrip()
        tx.emit(ev.CREATE, mr_id, {"record": {
            "id": mr_id, "title": title, "status": "open",
            "priority": rec.priority_of(current), "issue_type": "merge-request",
            "assignee": refinery, "created_at": ts, "created_by": actor, "updated_at": ts,
            "metadata": {"branch": branch, "target": rig.default_branch,
                         "source_issue": record["id"], "rig": rig.name, "worker": str(address),
                         "agent_bead": agent_id(rig.prefix, str(address.name)),
                         "commit_sha": commit, "attempt": attempt, "state": "queued",
                         "submitted_at": ts},
        }}, ts)  # fmt: skip
        _supersede_older(tx, record["id"], mr_id)
        session = rec.metadata_of(current).get("session")
        tx.emit("done", record["id"], {
            "set": {"status": "in_progress", "assignee": refinery},
            "metadata": {"mr": mr_id, "session": None, "done_at": ts, "done_by": str(address),
                         "commit": commit},
            "bead": record["id"], "mr": mr_id, "exit": "MERGED", "branch": branch,
            "commit": commit, "agent": str(address),
        })  # fmt: skip
        tx.emit("mq_submit", mr_id, {"mr": mr_id, "bead": record["id"], "agent": str(address),
                                     "attempt": attempt, "branch": branch})  # fmt: skip
        if session:
            ended = {"session": session, "agent": str(address), "bead": record["id"],
                     "reason": "done"}  # fmt: skip
            tx.emit("session_end", record["id"], ended)
        close_molecule(tx, current, steps_reason="gt done", root_reason="molecule complete")
        if address.role == "polecat":
            send_mail(tx, f"{rig.name}/witness", "POLECAT_DONE",
                      {"exit": "MERGED", "issue": record["id"], "branch": branch, "mr": mr_id},
                      subject=f"POLECAT_DONE {address.name}")  # fmt: skip
    return mr_id


def _supersede_older(tx: WriteTransaction, bead_id: str, new_mr: str) -> None:
    rows = tx.connection.execute(
        "SELECT id FROM beads WHERE issue_type = 'merge-request' AND status != 'closed' "
        "AND json_extract(record, '$.metadata.source_issue') = ?",
        (bead_id,),
    ).fetchall()
    for (mr_id,) in rows:
        mr = tx.get(mr_id)
        if mr is None or mr_id == new_mr:
            continue
        if rec.metadata_of(mr).get("state") in MR_OPEN_STATES:
            ts = tx.stamp()
            tx.emit(ev.CLOSE, mr_id, {"set": {"status": "closed", "closed_at": ts,
                                              "close_reason": "superseded"},
                                      "metadata": {"state": "superseded",
                                                   "superseded_by": new_mr}}, ts)  # fmt: skip


def _end_session(town: Town, rig: RigSettings, name: str, actor: str) -> list[str]:
    """End the session and start the next hooked bead in a fresh one.

    Inside the session, killing it would kill this process first, so a detached
    `gt polecat cycle` does both once this command has finished everything else.
    """
    session = polecat_session(rig.prefix, name)
    inside = town.environ.get("GT_BEAD") is not None and town.environ.get("TMUX_PANE") is not None
    if inside and town.tmux.has_session(session):
        town.paths.logs.mkdir(parents=True, exist_ok=True)
        log = (town.paths.logs / f"cycle-{session}.log").open("ab")
        subprocess.Popen(
            [sys.executable, "-m", "gastown_tui.cli.gt_main", "polecat", "cycle",
             f"{rig.name}/polecats/{name}"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
            env={**os.environ, "BD_ACTOR": f"{rig.name}/witness"}, cwd=town.paths.root,
        )  # fmt: skip
        return ["ending the session"]
    steps = ["ended the session"] if town.tmux.kill_session(session) else []
    started = start_next(town, rig, name, actor)
    if started is not None:
        steps.append(f"started {started.bead} in a fresh session")
    return steps
