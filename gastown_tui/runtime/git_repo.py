"""git, through GitPython: bare rig clones, polecat worktrees, commits and pushes.

Every call runs in a given directory with a given identity; nothing here reads the user's
current directory. Errors come back as GitError with git's own message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import git


class GitError(RuntimeError):
    """A git command failed; the message says which and why."""


DEFAULT_NETWORK_TIMEOUT = 60.0  # seconds; town.toml `[git] network_timeout` overrides it
NO_PROMPT = {"GIT_TERMINAL_PROMPT": "0"}


def _run(cwd: Path, *args: str, env: Mapping[str, str] | None = None,
         timeout: float | None = None) -> str:  # fmt: skip
    try:
        output: str = git.Git(str(cwd)).execute(
            ["git", *args], env=dict(env) if env else None, strip_newline_in_stdout=True,
            kill_after_timeout=timeout,
        )  # fmt: skip
    except git.GitCommandError as error:
        detail = (error.stderr or str(error)).strip().replace("\n", " ")
        raise GitError(f"git {' '.join(args[:3])} in {cwd}: {detail}") from error
    return output


def git_network(cwd: Path, *args: str, timeout: float = DEFAULT_NETWORK_TIMEOUT,
                env: Mapping[str, str] | None = None) -> str:  # fmt: skip
    """A git call that talks to another repository (fetch, push, ls-remote, clone): it never
    prompts, and it is killed after `timeout` seconds (a hung remote must not hang the town)."""
    return _run(cwd, *args, env={**NO_PROMPT, **(env or {})}, timeout=timeout)


def git_run(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run `git args…` in `cwd`; stdout without the final newline."""
    return _run(cwd, *args, env=env)


def clone_bare(source: str, destination: Path, timeout: float = DEFAULT_NETWORK_TIMEOUT) -> str:
    """`git clone --bare source destination`; returns the default branch."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    git_network(destination.parent, "clone", "--bare", "--quiet", "--", source, str(destination),
                timeout=timeout)  # fmt: skip
    return default_branch(destination)


def default_branch(repository: Path) -> str:
    head = _run(repository, "symbolic-ref", "--quiet", "HEAD")
    return head.removeprefix("refs/heads/")


def rev_parse(repository: Path, ref: str) -> str | None:
    try:
        return _run(repository, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except GitError:
        return None


def add_worktree(repository: Path, path: Path, branch: str, start: str) -> None:
    """A worktree at `path` on `branch` (created from `start` unless it already exists)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _run(repository, "worktree", "prune")
    if rev_parse(repository, f"refs/heads/{branch}"):
        _run(repository, "worktree", "add", "--quiet", str(path), branch)
    else:
        _run(repository, "worktree", "add", "--quiet", "-b", branch, str(path), start)


def remove_worktree(repository: Path, path: Path) -> None:
    if path.exists():
        _run(repository, "worktree", "remove", "--force", str(path))
    _run(repository, "worktree", "prune")


def is_dirty(worktree: Path) -> bool:
    return bool(_run(worktree, "status", "--porcelain", "--untracked-files=all"))


def commit_all(worktree: Path, message: str, env: Mapping[str, str] | None = None) -> str | None:
    """Stage everything and commit; returns the new commit, or None when nothing changed."""
    _run(worktree, "add", "--all")
    if not _run(worktree, "status", "--porcelain"):
        return None
    _run(worktree, "commit", "--quiet", "--no-verify", "-m", message, env=env)
    return _run(worktree, "rev-parse", "HEAD")


def commits_ahead(repository: Path, base: str, head: str) -> int:
    return int(_run(repository, "rev-list", "--count", f"{base}..{head}"))


def branches(repository: Path, pattern: str) -> list[str]:
    output = _run(repository, "for-each-ref", "--format=%(refname:short)", f"refs/heads/{pattern}")
    return [line for line in output.splitlines() if line]


def delete_branch(repository: Path, branch: str) -> None:
    _run(repository, "branch", "-D", "--quiet", branch)


def init_repository(path: Path, branch: str = "main") -> None:
    path.mkdir(parents=True, exist_ok=True)
    _run(path, "init", "--quiet", "-b", branch)


def commit_paths(
    repository: Path,
    paths: Sequence[str],
    message: str,
    env: Mapping[str, str] | None = None,
    *,
    only: bool = False,
) -> str | None:
    """Stage `paths` (those that exist) and commit if anything is staged; with `only`, the
    commit takes just those paths (whatever else the user staged stays staged)."""
    existing = [p for p in paths if (repository / p).exists()]
    if existing:
        _run(repository, "add", "--", *existing)
    pathspec = ["--", *existing] if only else []
    if not _run(repository, "diff", "--cached", "--name-only", *pathspec):
        return None
    _run(repository, "commit", "--quiet", "--no-verify", "-m", message, *pathspec, env=env)
    return _run(repository, "rev-parse", "HEAD")
