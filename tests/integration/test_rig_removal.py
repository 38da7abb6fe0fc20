"""`gt rig remove` never loses work (DESIGN §5): refused while the rig has work on a hook, in
the merge queue, uncommitted in a worktree or only in repo.git; with --force, whatever exists
only here is moved aside, never deleted."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from engine_town import new_bead

from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.setup.rig_removal import remove_rig
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.sling import sling


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def commit_only_in_repo_git(town: Town, tmp_path: Path) -> str:
    """A branch `extra` with one commit that only the rig's repo.git has."""
    scratch = tmp_path / "scratch"
    git(town.paths.repo_git("demo"), "worktree", "add", "-q", "-b", "extra", str(scratch), "main")
    (scratch / "only-here.txt").write_text("nowhere else\n")
    git(scratch, "add", "-A")
    git(scratch, "commit", "-q", "-m", "only in repo.git")
    sha = git(scratch, "rev-parse", "HEAD")
    git(town.paths.repo_git("demo"), "worktree", "remove", str(scratch))
    return sha


def test_commits_only_in_repo_git_refuse_removal_and_survive_force(
    engine_town_factory: Callable[..., Town], tmp_path: Path
) -> None:
    town = engine_town_factory()
    sha = commit_only_in_repo_git(town, tmp_path)
    with pytest.raises(TownError, match=r"1 commit\(s\) only in repo.git on extra.*--force"):
        remove_rig(town, "demo", force=False, actor="overseer")
    assert town.paths.repo_git("demo").is_dir() and "demo" in town.rigs()
    removal = remove_rig(town, "demo", force=True, actor="overseer")
    assert not town.paths.rig("demo").exists() and "demo" not in town.rigs()
    assert removal.kept_at is not None
    kept = Path(removal.kept_at)
    assert kept.parent == town.paths.runtime / "removed-rigs"
    assert git(kept / "repo.git", "rev-parse", "extra") == sha


def test_hooked_work_and_uncommitted_edits_refuse_removal(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    bead = new_bead(town, "In flight", "demo")
    slung = sling(town, bead, "demo", formula="mol-polecat-work", variables={"sim.mode": "hang"},
                  runtime=None, force=False, actor="overseer")  # fmt: skip
    town.tmux.kill_session(polecat_session("de", slung.polecat))  # no live session now
    worktree = town.paths.polecat("demo", slung.polecat)
    (worktree / "draft.txt").write_text("uncommitted\n")
    with pytest.raises(TownError) as refused:
        remove_rig(town, "demo", force=False, actor="overseer")
    assert f"1 bead(s) on a hook ({bead})" in str(refused.value)
    assert f"uncommitted edits in polecats/{slung.polecat}" in str(refused.value)
    removal = remove_rig(town, "demo", force=True, actor="overseer")
    assert removal.kept_at is not None
    assert (Path(removal.kept_at) / "polecats" / slung.polecat / "draft.txt").exists()


def test_a_rig_with_nothing_of_its_own_is_deleted(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    removal = remove_rig(town, "demo", force=False, actor="overseer")
    assert removal.kept_at is None and removal.stopped_sessions == []
    assert not town.paths.rig("demo").exists()
    assert not (town.paths.runtime / "removed-rigs").exists()
