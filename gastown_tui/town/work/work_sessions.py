"""Polecat sessions: starting the next hooked bead in a fresh worktree and session, and ending one.

A polecat has at most one session. Starting one: the bead's attempt branch
`polecat/<name>/<bead>[-r<n>]` in a worktree of repo.git (kept, with its uncommitted edits, when
it is already there on that branch: a respawn loses nothing), `session_start` logged and the bead's
`metadata.session` set *before* tmux starts (so the session's first `gt hook` sees it), then
`new-session -e …` with the runtime's argv. All of it under the rig's lock, so two slings or a
sling and a `gt done` never start two sessions for one polecat.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gastown_tui.core import record as rec
from gastown_tui.core.addresses import polecat_address
from gastown_tui.core.hook_queue import attempt_of
from gastown_tui.core.ids import branch_safe
from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.runtime.git_repo import (
    GitError,
    add_worktree,
    clone_bare,
    git_run,
    is_dirty,
    remove_worktree,
    rev_parse,
)
from gastown_tui.store.file_lock import exclusive_lock
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.agents import agent_id
from gastown_tui.town.hooks import hook_queue, running_bead
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.agent_runtimes import runtime_environment, session_command


@dataclass(frozen=True)
class StartedSession:
    session: str
    bead: str
    branch: str
    worktree: Path


@contextmanager
def rig_lock(town: Town, rig: str) -> Iterator[None]:
    with exclusive_lock(town.paths.lock(f"rig-{rig}")):
        yield


def ensure_repository(town: Town, rig: RigSettings) -> Path:
    """repo.git, cloned again from the rig's source when missing (a fresh clone of the town)."""
    repository = town.paths.repo_git(rig.name)
    if not repository.exists():
        try:
            clone_bare(rig.source, repository, town.settings.network_timeout)
        except GitError as error:
            raise TownError(f"rig {rig.name}: repo.git is missing and {error}") from error
    return repository


def branch_for(name: str, bead_id: str, attempt: int) -> str:
    suffix = f"-r{attempt}" if attempt > 1 else ""
    return f"polecat/{name}/{branch_safe(bead_id)}{suffix}"


def session_alive(town: Town, session: str) -> bool:
    """The session exists and its pane's process is still running."""
    panes = town.tmux.panes() or []
    mine = [pane for pane in panes if pane.session == session]
    return bool(mine) and not all(pane.dead for pane in mine)


def start_next(town: Town, rig: RigSettings, name: str, actor: str) -> StartedSession | None:
    """Start the polecat's first hooked bead unless a session of it is already running."""
    with rig_lock(town, rig.name):
        return start_next_locked(town, rig, name, actor)


def start_next_locked(town: Town, rig: RigSettings, name: str, actor: str) -> StartedSession | None:
    """`start_next` for a caller already holding the rig's lock."""
    address = polecat_address(rig.name, name)
    session = polecat_session(rig.prefix, name)
    town.store.projection.catch_up()
    queue = hook_queue(town.store.connection, address)
    if running_bead(queue) is not None or session_alive(town, session):
        return None
    if not queue:
        return None
    bead = queue[0]
    metadata = rec.metadata_of(bead)
    attempt = attempt_of(bead)
    branch = branch_for(name, bead["id"], attempt)
    worktree = town.paths.polecat(rig.name, name)
    repository = ensure_repository(town, rig)
    try:
        _prepare_worktree(repository, worktree, branch, _start_point(repository, metadata, rig))
    except GitError as error:
        raise TownError(f"cannot make the worktree for {bead['id']}: {error}") from error
    runtime = str(metadata.get("runtime") or rig.runtime)
    model = str(metadata.get("model") or rig.model)
    command = session_command(rig, runtime, model)
    with write_transaction(town.store, actor) as tx:
        ts = tx.stamp()
        tx.emit("update", bead["id"], {"metadata": {
            "session": session, "branch": branch, "worktree": str(worktree), "started_at": ts,
        }}, ts)  # fmt: skip
        tx.emit("session_start", bead["id"], {
            "session": session, "agent": address, "bead": bead["id"], "reason": "hooked work",
            "branch": branch, "attempt": attempt, "runtime": runtime,
            "agent_bead": agent_id(rig.prefix, name),
        })  # fmt: skip
    environment = town.session_environment("polecat", address, rig.name)
    environment["GT_BEAD"] = bead["id"]
    environment.update(runtime_environment(runtime, town.environ))
    email = f"{rig.name}.{name}@polecats.gastown.local"
    environment.update({"GIT_AUTHOR_NAME": address, "GIT_AUTHOR_EMAIL": email,
                        "GIT_COMMITTER_NAME": address, "GIT_COMMITTER_EMAIL": email})  # fmt: skip
    town.tmux.kill_session(session)  # a dead pane left by an earlier crash
    try:
        town.tmux.new_session(
            session, str(worktree), environment, command, base_environment=town.user_environment()
        )
    except Exception as error:
        town.tmux.kill_session(session)
        end_session_record(town, bead["id"], session, address, "start failed", actor)
        raise TownError(f"cannot start session {session}: {error}") from error
    return StartedSession(session, bead["id"], branch, worktree)


def worktree_branch(worktree: Path) -> str | None:
    """The branch checked out in `worktree`, or None when it is not a git worktree of its own
    (the town itself is a git repository: a broken one must not answer with the town's HEAD)."""
    if not (worktree / ".git").is_file():
        return None
    try:
        return git_run(worktree, "symbolic-ref", "--quiet", "--short", "HEAD")
    except GitError:
        return None


def _prepare_worktree(repository: Path, worktree: Path, branch: str, start: str) -> None:
    """The polecat's worktree on `branch`, keeping whatever is in it (DESIGN §6).

    Already on `branch` (a respawn, a GUPP restart, `gt up` after `gt down`): kept as it is,
    uncommitted edits included. On another branch: removed when clean (its commits live in
    repo.git); when dirty, moved aside to `<name>.kept-<bead>` with `git worktree move`, where
    the Witness reports it (RECOVERY_NEEDED) and the Dogs never delete it."""
    current = worktree_branch(worktree)
    if current == branch:
        return
    if current is not None and is_dirty(worktree):
        aside = worktree.with_name(f"{worktree.name}.kept-{current.rsplit('/', 1)[-1]}")
        number = 1
        while aside.exists():
            number += 1
            aside = aside.with_name(f"{worktree.name}.kept-{current.rsplit('/', 1)[-1]}-{number}")
        git_run(repository, "worktree", "move", str(worktree), str(aside))
    else:
        remove_worktree(repository, worktree)
    add_worktree(repository, worktree, branch, start)


def _start_point(repository: Path, metadata: dict[str, object], rig: RigSettings) -> str:
    """A rework attempt starts from the earlier attempt's branch, so its commits are there to
    rebase (mol-polecat-rework); a first attempt starts from the target."""
    previous = metadata.get("previous_branch")
    if isinstance(previous, str) and rev_parse(repository, f"refs/heads/{previous}"):
        return previous
    return rig.default_branch


def end_session_record(
    town: Town, bead_id: str, session: str, address: str, reason: str, actor: str
) -> None:
    """Log `session_end` and clear the bead's session marker."""
    with write_transaction(town.store, actor) as tx:
        record = tx.get(bead_id)
        if record is not None and rec.metadata_of(record).get("session") == session:
            tx.emit("update", bead_id, {"metadata": {"session": None}})
        tx.emit("session_end", bead_id, {"session": session, "agent": address, "bead": bead_id,
                                         "reason": reason})  # fmt: skip


def stop_polecat(
    town: Town, rig: RigSettings, name: str, reason: str, actor: str, *, keep_worktree: bool
) -> list[str]:
    """Kill the polecat's session and (unless told) remove its worktree; returns what it did."""
    did: list[str] = []
    address = polecat_address(rig.name, name)
    session = polecat_session(rig.prefix, name)
    if town.tmux.kill_session(session):
        did.append(f"stopped session {session}")
    current = running_bead(hook_queue(town.store.connection, address))
    if current is not None:
        end_session_record(town, current["id"], session, address, reason, actor)
    worktree = town.paths.polecat(rig.name, name)
    if not keep_worktree and worktree.exists():
        remove_worktree(ensure_repository(town, rig), worktree)
        did.append(f"removed worktree {worktree}")
    return did
