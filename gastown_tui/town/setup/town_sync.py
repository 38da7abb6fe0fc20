"""`gt sync`: share the town's Beads log and settings with other machines through a git remote.

DESIGN §8. Everything that touches the working tree runs under the writers' flock on
`.beads/events.lock`, the lock every writer of the store takes, so no event is appended while
the log is committed or merged; nothing that talks to the remote does, so a slow or hung
remote never stops the town's agents from writing (they would all wait on it):

1. under the lock: catch the projection up and mend a torn tail (as a writer would), so no
   commit ends in the middle of a line, and commit the tracked files (`town_git.TRACKED`);
2. without the lock: ask the remote for its branch and fetch it into the tracking ref;
3. under the lock: commit what writers appended meanwhile, then merge the fetched commit (a
   merge, never a rebase: published commits stay as they are). The town's `.gitattributes`
   gives `events.jsonl` the union merge, so both sides' appended lines are kept, ours then
   theirs, each side's batches still contiguous. The projection catches up with the merged
   file: lines that arrived out of (ts, id) order make it rebuild itself sorted;
4. without the lock: push; a push that lost a race (someone pushed between our fetch and our
   push) goes back to step 2, at most `retries` more times.

Every network call goes through `git_network`: it never prompts and is killed after the
town's `[git] network_timeout`. Remotes need a credential helper or an ssh key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from gastown_tui.runtime.git_repo import GitError, git_network, git_run, rev_parse
from gastown_tui.store.file_lock import exclusive_lock
from gastown_tui.store.write_transaction import catch_up_locked
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.town_git import commit_identity, tracked_paths

DEFAULT_REMOTE = "origin"
DEFAULT_RETRIES = 5
NO_EDIT = {"GIT_TERMINAL_PROMPT": "0", "GIT_MERGE_AUTOEDIT": "no"}
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


@dataclass
class _Exchange:
    """One sync's state across its locked and unlocked steps."""

    town: Town
    remote: str
    branch: str
    identity: Mapping[str, str]
    actor: str
    committed: bool = False
    pulled: int = 0

    @property
    def root(self) -> Path:
        return self.town.paths.root

    @property
    def timeout(self) -> float:
        return self.town.settings.network_timeout

    def commit(self) -> None:
        """Under the writers' lock: mend and catch up, then commit the tracked files."""
        catch_up_locked(self.town.store)
        message = f"Gas Town: sync by {self.actor}"
        self.committed = commit_tracked(self.root, message, self.identity) or self.committed

    def fetch(self) -> str | None:
        """Without the lock: the remote branch's commit, fetched; None if it has no branch."""
        listed = git_network(self.root, "ls-remote", "--heads", self.remote,
                             f"refs/heads/{self.branch}", timeout=self.timeout)  # fmt: skip
        wanted = f"\trefs/heads/{self.branch}"
        head = next((line.split()[0] for line in listed.splitlines() if line.endswith(wanted)),
                    None)  # fmt: skip
        if head is not None and not _contains(self.root, head):
            git_network(self.root, "fetch", "--quiet", self.remote,
                        f"+refs/heads/{self.branch}:{self.tracking}",
                        timeout=self.timeout)  # fmt: skip
        return head

    @property
    def tracking(self) -> str:
        return f"refs/remotes/{self.remote}/{self.branch}"

    def commit_and_merge(self, remote_head: str | None) -> None:
        """Under the writers' lock: commit what was appended since, merge what was fetched."""
        self.commit()
        if remote_head is None or _contains(self.root, remote_head):
            return
        before = catch_up_locked(self.town.store).applied
        merge(self.root, self.remote, self.branch, remote_head, self.identity, self.actor)
        self.pulled += max(0, catch_up_locked(self.town.store).applied - before)


def sync_town(
    town: Town, *, actor: str, remote: str = DEFAULT_REMOTE, retries: int = DEFAULT_RETRIES
) -> SyncResult:
    """Commit, pull (union merge), push with bounded retries, and catch the projection up;
    the writers' lock is held only for the local steps, never while git talks to `remote`."""
    if retries < 0:
        raise TownError(f"--retries must be 0 or more, not {retries}")
    root = town.paths.root
    lock = town.store.paths.lock
    try:
        branch = _current_branch(root)
        _require_remote(root, remote)
        sync = _Exchange(town, remote, branch, _identity(root, actor, town.environ), actor)
        with exclusive_lock(lock):
            sync.commit()
        attempts = 0
        while True:
            attempts += 1
            remote_head = sync.fetch()
            with exclusive_lock(lock):
                sync.commit_and_merge(remote_head)
            if remote_head is not None and remote_head == rev_parse(root, "HEAD"):
                pushed = False  # the remote already has everything we have
                break
            try:
                push(root, remote, branch, sync.timeout)
            except PushRaceError:
                if attempts > retries:
                    raise
                continue
            pushed = True
            break
        with exclusive_lock(lock):
            after = catch_up_locked(town.store)
    except PushRaceError as error:
        raise TownError(
            f"sync gave up: the push to {remote} was rejected {retries + 1} time(s) because "
            f"someone else pushed in between each time; run gt sync again ({error})"
        ) from error
    except GitError as error:
        raise TownError(f"sync failed: {error}") from error
    return SyncResult(sync.committed, sync.pulled, pushed, attempts, after.applied)


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


def merge(root: Path, remote: str, branch: str, commit: str, identity: Mapping[str, str],
          actor: str) -> None:  # fmt: skip
    """Merge the fetched `commit` of `remote`/`branch` into ours (local only: no network)."""
    try:
        git_run(root, "merge", "--quiet", "--no-edit", "--ff", "--no-verify",
                "-m", f"Gas Town: sync {remote}/{branch} by {actor}", commit,
                env={**identity, **NO_EDIT})  # fmt: skip
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


def push(root: Path, remote: str, branch: str, timeout: float) -> None:
    """Push `branch` to the same name on `remote`, setting it as upstream if there is none."""
    upstream = _config(root, f"branch.{branch}.remote")
    options = [] if upstream else ["--set-upstream"]
    try:
        git_network(root, "push", "--quiet", *options, remote, branch, timeout=timeout)
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
