"""The town as a git repository (DESIGN §5, §8): what it tracks and who commits."""

from __future__ import annotations

from pathlib import Path

from gastown_tui.runtime.git_repo import GitError, git_run

TRACKED = ("town.toml", "formulas", "rigs/*/rig.toml", ".beads/config.toml",
           ".beads/events.jsonl", ".gitignore", ".gitattributes")  # fmt: skip

GITIGNORE = """\
# Only town.toml, formulas/, rigs/*/rig.toml and the beads log are shared; everything else
# (repo.git, worktrees, locks, the projection, .runtime/) is local and rebuilt on demand.
/*
!/.gitignore
!/.gitattributes
!/town.toml
!/formulas/
!/rigs/
/rigs/*/*
!/rigs/*/rig.toml
!/.beads/
/.beads/*
!/.beads/config.toml
!/.beads/events.jsonl
"""

GITATTRIBUTES = """\
# Events are unique lines ordered by ULID: concurrent appends merge by keeping both sides.
.beads/events.jsonl merge=union
"""


def commit_identity(root: Path, actor: str) -> dict[str, str]:
    """The user's git identity if configured, else one named after the acting address."""
    try:
        git_run(root, "config", "user.email")
        return {}
    except GitError:
        email = actor.replace("/", ".") + "@gastown.local"
        return {"GIT_AUTHOR_NAME": actor, "GIT_AUTHOR_EMAIL": email,
                "GIT_COMMITTER_NAME": actor, "GIT_COMMITTER_EMAIL": email}  # fmt: skip


def tracked_paths(root: Path) -> list[str]:
    """The tracked files that exist now (globs expanded), relative to the town root."""
    found: list[str] = []
    for pattern in TRACKED:
        if "*" in pattern:
            found += sorted(str(p.relative_to(root)) for p in root.glob(pattern))
        elif (root / pattern).exists():
            found.append(pattern)
    return found


def commit_rig_file(root: Path, rig: str, message: str, actor: str) -> bool:
    """Commit `rigs/<rig>/rig.toml` as it is now (added, changed or deleted), and only it.

    Other staged changes stay staged. False when the town is no git repository or git
    refused; the file is then picked up by the next commit of the town.
    """
    path = f"rigs/{rig}/rig.toml"
    try:
        if (root / path).exists() or git_run(root, "ls-files", "--", path):
            git_run(root, "add", "--all", "--", path)
        if not git_run(root, "diff", "--cached", "--name-only", "--", path):
            return True
        git_run(root, "commit", "--quiet", "--no-verify", "-m", message, "--", path,
                env=commit_identity(root, actor) or None)  # fmt: skip
    except GitError:
        return False
    return True
