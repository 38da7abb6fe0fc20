"""`gt sync`: share the town's Beads log and settings with other machines through a git remote.

DESIGN §8. The whole exchange runs under the writers' flock on `.beads/events.lock`, the lock
every writer of the store takes, so no event is appended while the log is committed, merged
and replaced:

1. catch the projection up and mend a torn tail (as a writer would), so no commit ends in the
   middle of a line;
2. commit the tracked files (`town_git.TRACKED`);
3. pull: fetch the remote branch and merge it (a merge, never a rebase: published commits stay
   as they are). The town's `.gitattributes` gives `events.jsonl` the union merge, so both
   sides' appended lines are kept, ours then theirs, each side's batches still contiguous;
4. push; a push that lost a race (someone pushed between our fetch and our push) goes back to
   step 3, at most `retries` more times;
5. catch the projection up with the merged file: lines that arrived out of (ts, id) order make
   the projection rebuild itself sorted (`Projection.catch_up_in_transaction`).

Network operations never prompt (GIT_TERMINAL_PROMPT=0): the lock is held meanwhile, and every
agent of the town would wait on a question nobody sees. Remotes need a credential helper or an
ssh key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from gastown_tui.runtime.git_repo import GitError, git_run, rev_parse
from gastown_tui.store.file_lock import exclusive_lock
from gastown_tui.store.write_transaction import catch_up_locked
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.town_git import commit_identity, tracked_paths

DEFAULT_REMOTE = "origin"
DEFAULT_RETRIES = 5
NO_PROMPT = {"GIT_TERMINAL_PROMPT": "0", "GIT_MERGE_AUTOEDIT": "no"}
# What git says when another push landed first: seen before sending (the ref we fetched is no
# longer the remote's) or by the remote while updating the ref (the push crossed another one).
PUSH_RACE_MARKERS = ("(fetch first)", "(non-fast-forward)", "(failed to update ref)",
                     "cannot lock ref", "(stale info)")  # fmt: skip


@dataclass(frozen=True)
class SyncResult:
    """What one `gt sync` did; `pulled` and `events` count distinct applied events."""

    committed: bool  # the tracked files had changes, now committed
    pulled: int  # events that the merge brought in
    pushed: bool  # the remote branch moved to our commit
    attempts: int  # pull-and-push rounds (more than one when a push lost a race)
    events: int  # events in the log after the sync

    def to_json(self) -> dict[str, object]:
        return asdict(self)


class PushRaceError(GitError):
    """The remote refused our push because its branch moved after our fetch."""


def sync_town(
    town: Town, *, actor: str, remote: str = DEFAULT_REMOTE, retries: int = DEFAULT_RETRIES
) -> SyncResult:
    """Commit, pull (union merge), push with bounded retries, and catch the projection up."""
    if retries < 0:
        raise TownError(f"--retries must be 0 or more, not {retries}")
    root = town.paths.root
    try:
        branch = _current_branch(root)
        _require_remote(root, remote)
        identity = _identity(root, actor, town.environ)
        store = town.store
        with exclusive_lock(store.paths.lock):
            before = catch_up_locked(store)
            committed = commit_tracked(root, f"Gas Town: sync by {actor}", identity)
            attempts, pushed = _exchange(root, remote, branch, retries, identity, actor)
            after = catch_up_locked(store)
    except PushRaceError as error:
        raise TownError(
            f"sync gave up: the push to {remote} was rejected {retries + 1} time(s) because "
            f"someone else pushed in between each time; run gt sync again ({error})"
        ) from error
    except GitError as error:
        raise TownError(f"sync failed: {error}") from error
    return SyncResult(committed, max(0, after.applied - before.applied), pushed, attempts,
                      after.applied)  # fmt: skip


def commit_tracked(root: Path, message: str, identity: Mapping[str, str]) -> bool:
    """Stage the tracked files (deletions too) and commit them; False when nothing changed."""
    paths = tracked_paths(root)
    deleted = git_run(root, "ls-files", "--deleted", "-z").split("\0")
    paths += [path for path in deleted if path and path not in paths]
    if paths:
        git_run(root, "add", "--all", "--", *paths)
    if not git_run(root, "diff", "--cached", "--name-only"):
        return False
    git_run(root, "commit", "--quiet", "--no-verify", "-m", message, env=identity)
    return True


def _exchange(
    root: Path, remote: str, branch: str, retries: int, identity: Mapping[str, str], actor: str
) -> tuple[int, bool]:
    """Pull and push until the remote holds our commit: (rounds, whether we pushed)."""
    attempts = 0
    while True:
        attempts += 1
        remote_head = pull(root, remote, branch, identity, actor)
        if remote_head is not None and remote_head == rev_parse(root, "HEAD"):
            return attempts, False  # the remote already has everything we have
        try:
            push(root, remote, branch)
        except PushRaceError:
            if attempts > retries:
                raise
            continue
        return attempts, True


def pull(
    root: Path, remote: str, branch: str, identity: Mapping[str, str], actor: str
) -> str | None:
    """Merge the remote's `branch` into ours; its commit, or None if the remote lacks it."""
    listed = git_run(root, "ls-remote", "--heads", remote, f"refs/heads/{branch}", env=NO_PROMPT)
    wanted = f"\trefs/heads/{branch}"
    remote_head = next((line.split()[0] for line in listed.splitlines() if line.endswith(wanted)),
                       None)  # fmt: skip
    if remote_head is None:
        return None
    if _contains(root, remote_head):
        return remote_head
    tracking = f"refs/remotes/{remote}/{branch}"
    git_run(root, "fetch", "--quiet", remote, f"+refs/heads/{branch}:{tracking}", env=NO_PROMPT)
    try:
        git_run(root, "merge", "--quiet", "--no-edit", "--ff", "--no-verify",
                "-m", f"Gas Town: sync {remote}/{branch} by {actor}", tracking,
                env={**identity, **NO_PROMPT})  # fmt: skip
    except GitError as error:
        conflicted = git_run(root, "diff", "--name-only", "--diff-filter=U")
        if conflicted:
            git_run(root, "merge", "--abort")
            files = ", ".join(conflicted.splitlines())
            raise TownError(
                f"merging {remote}/{branch} conflicts in {files} (only the beads log "
                f"merges by itself); nothing was merged. Resolve it by hand: git -C {root} "
                f"merge {remote}/{branch}"
            ) from error
        raise
    return rev_parse(root, tracking)


def push(root: Path, remote: str, branch: str) -> None:
    """Push `branch` to the same name on `remote`, setting it as upstream if there is none."""
    upstream = _config(root, f"branch.{branch}.remote")
    options = [] if upstream else ["--set-upstream"]
    try:
        git_run(root, "push", "--quiet", *options, remote, branch, env=NO_PROMPT)
    except GitError as error:
        if any(marker in str(error) for marker in PUSH_RACE_MARKERS):
            raise PushRaceError(str(error)) from error
        raise


def _contains(root: Path, commit: str) -> bool:
    """Is `commit` already part of our history (nothing to fetch)?"""
    try:
        git_run(root, "merge-base", "--is-ancestor", commit, "HEAD")
    except GitError:
        return False  # not an ancestor, or not even known here
    return True


def _current_branch(root: Path) -> str:
    try:
        git_run(root, "rev-parse", "--git-dir")
    except GitError as error:
        raise TownError(
            f"{root} is not a git repository; make it one with: git -C {root} init"
        ) from error
    try:
        return git_run(root, "symbolic-ref", "--quiet", "--short", "HEAD")
    except GitError as error:
        raise TownError(
            f"the town's git HEAD is detached; check out its branch first "
            f"(git -C {root} switch <branch>)"
        ) from error


def _require_remote(root: Path, remote: str) -> None:
    if not _config(root, f"remote.{remote}.url"):
        raise TownError(
            f"the town has no git remote {remote!r}; add one with: "
            f"git -C {root} remote add {remote} <url>"
        )


def _config(root: Path, key: str) -> str:
    try:
        return git_run(root, "config", "--get", key)
    except GitError:
        return ""  # git config exits 1 when the key is not set


def _identity(root: Path, actor: str, environ: Mapping[str, str]) -> dict[str, str]:
    """Who commits: `commit_identity`, except for whatever the environment already says."""
    return {k: v for k, v in commit_identity(root, actor).items() if k not in environ}
