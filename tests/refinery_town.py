"""Refinery tests in-process against a town made by `town_fixtures` (real tmux, git, SQLite):
merge requests filed straight from a branch (no polecat needed), a rig with a one-line gate.

The CLI-based `TownRunner` sets each subprocess's environment; in-process, libtmux and git read
this process's, so `in_process_town` copies what they need (the tmux directory, HOME, the git
identity) into `os.environ` for the test, and opens a `Town` with the runner's environment (or
the one given) as the user's.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from town_fixtures import TownRunner, create_bead, make_source_repo

from gastown_tui.core import events as ev
from gastown_tui.core.rig_settings import Gate, parse_rig_settings, rig_toml_text
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.town import Town
from gastown_tui.town.town_paths import TownPaths

_PROCESS_KEYS = ("TMUX_TMPDIR", "HOME", "GIT_CONFIG_NOSYSTEM", "GT_PROFILE", "PYTHONUTF8")


def in_process_town(runner: TownRunner, monkeypatch: pytest.MonkeyPatch,
                environ: dict[str, str] | None = None) -> Town:  # fmt: skip
    for key, value in runner.env.items():
        if key in _PROCESS_KEYS or key.startswith("GIT_"):
            monkeypatch.setenv(key, value)
    return Town(TownPaths(runner.root), environ=environ or dict(runner.env))


def commit_branch(runner: TownRunner, rig: str, branch: str, files: dict[str, str],
                  scratch: Path, start: str = "main") -> str:  # fmt: skip
    """A branch `branch` in the rig's repo.git: `start` plus one commit writing `files`."""
    repository = runner.root / "rigs" / rig / "repo.git"
    worktree = scratch / branch.replace("/", "_")
    runner.git(repository, "worktree", "add", "-q", "-b", branch, str(worktree), start)
    for name, text in files.items():
        (worktree / name).write_text(text)
    runner.git(worktree, "add", "-A")
    runner.git(worktree, "commit", "-q", "-m", f"work on {branch}")
    commit = runner.git(worktree, "rev-parse", "HEAD")
    runner.git(repository, "worktree", "remove", "--force", str(worktree))
    return commit


def file_merge_request(town: Town, rig: str, bead: str, branch: str, *, attempt: int = 1,
                       worker: str | None = None) -> str:  # fmt: skip
    """What `gt done` files, without a polecat: an MR for `branch`, its bead handed over."""
    prefix = town.rig(rig).prefix
    worker = worker or f"{rig}/polecats/nux"
    with write_transaction(town.store, worker) as tx:
        mr = tx.new_id(f"mr|{bead}|{attempt}", infix="mr", prefix=prefix)
        ts = tx.stamp()
        metadata: dict[str, Any] = {
            "branch": branch, "target": "main", "source_issue": bead, "rig": rig,
            "worker": worker, "attempt": attempt, "state": "queued", "submitted_at": ts,
        }  # fmt: skip
        tx.emit(ev.CREATE, mr, {"record": {
            "id": mr, "title": f"Merge: {bead}", "status": "open", "priority": 2,
            "issue_type": "merge-request", "assignee": f"{rig}/refinery", "created_at": ts,
            "created_by": worker, "updated_at": ts, "metadata": metadata,
        }}, ts)  # fmt: skip
        if tx.get(bead) is not None:
            tx.emit("update", bead, {"set": {"status": "in_progress",
                                             "assignee": f"{rig}/refinery"},
                                     "metadata": {"mr": mr, "attempt": attempt}})  # fmt: skip
    return mr


def main_head(runner: TownRunner, rig: str = "demo") -> str:
    return runner.git(runner.root / "rigs" / rig / "repo.git", "rev-parse", "main")


def git_quiet(folder: Path, *args: str, env: dict[str, str]) -> None:
    subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True)


@pytest.fixture
def quick_rig(town_factory: Callable[..., TownRunner], tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TownRunner, Town]]:  # fmt: skip
    """A town with rig `demo` (prefix `dm`) whose only gate is `true`, open in-process."""
    runner = town_factory()
    source = make_source_repo(tmp_path / "src", runner.env, kind="script")
    runner.gt("rig", "add", "demo", str(source), "--prefix", "dm", "--runtime", "sim",
              "--gate", "test=true", "--no-gate-check")  # fmt: skip
    town = in_process_town(runner, monkeypatch)
    yield runner, town
    town.close()


def set_gate(town: Town, command: str, timeout: int = 60) -> None:
    path = town.paths.rig_toml("demo")
    settings = parse_rig_settings(path.read_text(), str(path))
    gated = dataclasses.replace(settings, gates=(Gate("test", command, timeout),))
    path.write_text(rig_toml_text(gated))
    town.forget_rigs()


def queued_mr(runner: TownRunner, town: Town, title: str, scratch: Path,
              source_issue: str | None = None) -> tuple[str, str]:  # fmt: skip
    """(bead, MR): a bead whose branch adds one file, handed to the refinery."""
    bead = source_issue or create_bead(runner, title)
    branch = f"polecat/nux/{bead}"
    commit_branch(runner, "demo", branch, {f"{bead}.txt": title + "\n"}, scratch)
    return bead, file_merge_request(town, "demo", bead, branch)


def record(town: Town, bead_id: str) -> dict[str, Any]:
    town.store.projection.catch_up()
    found = town.store.get(bead_id)
    assert found is not None
    return found
