"""The Refinery's git work in its own worktree (`rigs/<rig>/refinery`, detached HEAD).

Squash-merging one branch onto a commit, moving the target with compare-and-swap, finding an
MR's commit on the target by its trailer.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from gastown_tui.core.merge_queue import TRAILER
from gastown_tui.runtime.git_repo import GitError, git_run, rev_parse


@dataclass(frozen=True)
class Squash:
    commit: str | None  # the new commit; None when the branch brings nothing new
    conflicts: list[str]


def ensure_worktree(repository: Path, worktree: Path, start: str) -> None:
    if (worktree / ".git").exists():
        return
    worktree.parent.mkdir(parents=True, exist_ok=True)
    git_run(repository, "worktree", "prune")
    git_run(repository, "worktree", "add", "--quiet", "--detach", str(worktree), start)


def reset_to(worktree: Path, commit: str) -> None:
    """A clean tree at `commit`, whatever a crashed run left (a merge, a rebase, stray files)."""
    for abort in (("merge", "--abort"), ("rebase", "--abort"), ("cherry-pick", "--abort")):
        with contextlib.suppress(GitError):
            git_run(worktree, *abort)
    git_run(worktree, "checkout", "--quiet", "--force", "--detach", commit)
    git_run(worktree, "reset", "--quiet", "--hard", commit)
    git_run(worktree, "clean", "-q", "-f", "-d", "-x")


def squash(worktree: Path, base: str, branch: str, message: str,
           author: tuple[str, str]) -> Squash:  # fmt: skip
    """`branch`'s changes as one commit on top of `base` (the worktree ends there)."""
    reset_to(worktree, base)
    try:
        git_run(worktree, "merge", "--squash", "--no-commit", "--quiet", branch)
    except GitError:
        conflicted = git_run(worktree, "diff", "--name-only", "--diff-filter=U")
        files = sorted(line for line in conflicted.splitlines() if line)
        reset_to(worktree, base)
        return Squash(None, files or ["(the merge failed: see the branch)"])
    if not git_run(worktree, "diff", "--cached", "--name-only"):
        reset_to(worktree, base)
        return Squash(None, [])
    name, email = author
    # The worker is the author; the Refinery commits, so it works without a git identity too.
    env = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": "refinery",
        "GIT_COMMITTER_EMAIL": "refinery@gastown.local",
    }
    git_run(worktree, "commit", "--quiet", "--no-verify", "-m", message, env=env)
    return Squash(git_run(worktree, "rev-parse", "HEAD"), [])


def move_target(repository: Path, target: str, new: str, old: str) -> bool:
    """Point `target` at `new` only if it is still at `old`."""
    try:
        git_run(repository, "update-ref", f"refs/heads/{target}", new, old)
    except GitError:
        return False
    return True


def landed_commit(repository: Path, target: str, mr_id: str, depth: int = 500) -> str | None:
    """The commit on `target` whose trailer names `mr_id`, if it is already there."""
    if rev_parse(repository, f"refs/heads/{target}") is None:
        return None
    found = git_run(repository, "log", f"-n{depth}", "--format=%H",
                    f"--grep=^{TRAILER}: {mr_id}$", target)  # fmt: skip
    return found.splitlines()[0] if found else None
