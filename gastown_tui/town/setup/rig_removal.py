"""`gt rig remove`: take a rig out of the town without losing anyone's work.

Refused while the rig has work in flight unless `--force`: live sessions, hooked or claimed
beads, merge requests still `queued` or `testing`, worktrees with uncommitted edits, or commits
that exist only in `repo.git` (a branch not in the source: landed without `push_to_source`,
or a polecat's unmerged branch). Asking the source which commits it has is a network call,
bounded by `[git] network_timeout`; a source that cannot be asked counts as "not pushed".

Even with `--force`, commits that exist only in `repo.git` (and uncommitted edits) are never
deleted: the rig's directory is moved to `.runtime/removed-rigs/<rig>-<time>/` instead, and the
result says where. A rig with nothing of its own left is deleted.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core import merge_queue as mq
from gastown_tui.core import record as rec
from gastown_tui.core.hook_queue import HOOK_STATUSES, on_hook
from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.runtime.git_repo import GitError, git_network, git_run, is_dirty
from gastown_tui.store.bead_queries import ListFilter, list_beads
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.agents import agents
from gastown_tui.town.session_names import polecat_session, refinery_session
from gastown_tui.town.setup.rigs import rig_bead_id
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.town_git import commit_rig_file
from gastown_tui.town.work.work_sessions import rig_lock


@dataclass(frozen=True)
class RigRemoval:
    removed: str
    stopped_sessions: list[str]
    kept_at: str | None  # where the rig's directory went when it held work of its own

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def remove_rig(town: Town, name: str, *, force: bool, actor: str) -> RigRemoval:
    """Delete (or, holding work of its own, move aside) the rig's directory; refuses while it
    has live sessions or unlanded or unpushed work unless `force`."""
    settings = town.rig(name)
    with rig_lock(town, name):  # no sling starts a session of this rig meanwhile
        town.store.projection.catch_up()
        # By name, not by `<prefix>-`: another rig's prefix may start with this one's (dm, dm-x).
        own = {refinery_session(settings.prefix)} | {
            polecat_session(settings.prefix, str(rec.metadata_of(agent).get("name")))
            for agent in agents(town, rig=name, role="polecat")
        }
        panes = [pane for pane in town.tmux.panes() or [] if pane.session in own]
        live = sorted({pane.session for pane in panes if not pane.dead})
        if live and not force:
            raise TownError(f"rig {name!r} has live sessions ({', '.join(live)}); "
                            "stop them first or use --force")  # fmt: skip
        unlanded = unlanded_work(town, settings)
        local = local_only_work(town, settings)
        if (unlanded or local) and not force:
            raise TownError(f"rig {name!r} has work that is not landed or not pushed: "
                            f"{'; '.join(unlanded + local)}. Land or push it first, or use "
                            "--force (the rig's directory is then kept under "
                            ".runtime/removed-rigs/)")  # fmt: skip
        sessions = sorted({pane.session for pane in panes})
        for session in sessions:
            town.tmux.kill_session(session)
        kept_at = _keep(town, name) if local else None
        if kept_at is None:
            shutil.rmtree(town.paths.rig(name))
    town.forget_rigs()
    with write_transaction(town.store, actor) as tx:
        record = tx.get(rig_bead_id(name))
        if record is not None:
            ts = tx.stamp()
            closed = {"status": "closed", "closed_at": ts, "close_reason": "rig removed"}
            tx.emit(ev.CLOSE, rig_bead_id(name), {"set": closed}, ts)
    commit_rig_file(town.paths.root, name, f"Gas Town: rig {name} removed", actor)
    return RigRemoval(name, sessions, str(kept_at) if kept_at else None)


def unlanded_work(town: Town, rig: RigSettings) -> list[str]:
    """Beads of the rig on a hook or waiting in its merge queue, as short reasons."""
    found = []
    hooked = [r for r in list_beads(town.store.connection, ListFilter(statuses=HOOK_STATUSES))
              if on_hook(r) and _of_rig(town, r, rig)]  # fmt: skip
    if hooked:
        found.append(f"{len(hooked)} bead(s) on a hook ({', '.join(r['id'] for r in hooked[:5])})")
    waiting = [mr for mr in list_beads(town.store.connection, ListFilter(types=["merge-request"]))
               if rec.metadata_of(mr).get("rig") == rig.name
               and mq.state_of(mr) in mq.WAITING]  # fmt: skip
    if waiting:
        found.append(f"{len(waiting)} merge request(s) waiting "
                     f"({', '.join(mr['id'] for mr in waiting[:5])})")  # fmt: skip
    return found


def _of_rig(town: Town, record: rec.Record, rig: RigSettings) -> bool:
    owner = town.rig_of(record)
    return owner is not None and owner.name == rig.name


def local_only_work(town: Town, rig: RigSettings) -> list[str]:
    """Uncommitted edits in the rig's worktrees and commits only `repo.git` has."""
    found = []
    folder = town.paths.rig(rig.name)
    worktrees = [p for kind in ("polecats", "crew") if (folder / kind).is_dir()
                 for p in sorted((folder / kind).iterdir()) if (p / ".git").is_file()]  # fmt: skip
    if (folder / "refinery" / ".git").is_file():
        worktrees.append(folder / "refinery")
    dirty = []
    for worktree in worktrees:
        try:
            if is_dirty(worktree):
                dirty.append(worktree.relative_to(folder).as_posix())
        except GitError:
            dirty.append(f"{worktree.relative_to(folder).as_posix()} (unreadable)")
    if dirty:
        found.append(f"uncommitted edits in {', '.join(dirty)}")
    repository = town.paths.repo_git(rig.name)
    if repository.is_dir():
        found += _unpushed(repository, rig.source, town.settings.network_timeout)
    return found


def _unpushed(repository: Path, source: str, timeout: float) -> list[str]:
    try:
        remote = git_network(repository, "ls-remote", "--", source, timeout=timeout)
    except GitError as error:
        return [f"the source could not be asked which commits it has ({error})"]
    known = [line.split()[0] for line in remote.splitlines() if line.strip()]
    present = [sha for sha in known if _has_commit(repository, sha)]
    listed = git_run(repository, "rev-list", "--branches", "--not", *present, "--")
    commits = [line for line in listed.splitlines() if line]
    if not commits:
        return []
    named = [
        branch
        for branch in _branches(repository)
        if git_run(repository, "rev-list", "--count", branch, "--not", *present, "--") != "0"
    ]
    where = f" on {', '.join(named[:5])}" if named else ""
    return [f"{len(commits)} commit(s) only in repo.git{where}"]


def _branches(repository: Path) -> list[str]:
    listed = git_run(repository, "for-each-ref", "--format=%(refname:short)", "refs/heads/")
    return [line for line in listed.splitlines() if line]


def _has_commit(repository: Path, sha: str) -> bool:
    try:
        git_run(repository, "cat-file", "-e", f"{sha}^{{commit}}")
    except GitError:
        return False
    return True


def _keep(town: Town, name: str) -> Path:
    folder = town.paths.runtime / "removed-rigs"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = town.clock.now().strftime("%Y%m%dT%H%M%S")
    target = folder / f"{name}-{stamp}"
    number = 1
    while target.exists():
        number += 1
        target = folder / f"{name}-{stamp}-{number}"
    shutil.move(str(town.paths.rig(name)), str(target))
    return target
