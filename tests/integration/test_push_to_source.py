"""`push_to_source`: landed commits reach the rig's source, even when the Refinery died between
landing and pushing, so a fresh clone of the town (which recreates repo.git from the source)
has the landed work.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from refinery_town import commit_branch, file_merge_request, in_process_town, main_head, record
from town_fixtures import TownRunner, create_bead, make_source_repo

from gastown_tui.core.rig_settings import parse_rig_settings, rig_toml_text
from gastown_tui.town.refinery.merger import Refinery
from gastown_tui.town.refinery.queue_runner import run_refinery
from gastown_tui.town.town import Town
from gastown_tui.town.town_paths import TownPaths
from gastown_tui.town.work.work_sessions import ensure_repository


def test_a_fresh_clone_of_the_town_gets_work_landed_just_before_a_crash(
    town_factory: Callable[..., TownRunner], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = town_factory()
    work = make_source_repo(tmp_path / "work", runner.env, kind="script")
    source = tmp_path / "source.git"  # the team's shared repository
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(source)], check=True,
                   env=runner.env)  # fmt: skip
    runner.gt("rig", "add", "demo", str(source), "--prefix", "dm", "--runtime", "sim",
              "--gate", "test=true", "--no-gate-check")  # fmt: skip
    rig_toml = runner.root / "rigs" / "demo" / "rig.toml"
    settings = parse_rig_settings(rig_toml.read_text(), str(rig_toml))
    rig_toml.write_text(rig_toml_text(dataclasses.replace(settings, push_to_source=True)))
    runner.git(runner.root, "commit", "-q", "-am", "push landed work to the source")
    town = in_process_town(runner, monkeypatch)
    try:
        bead = create_bead(runner, "Land and share")
        commit_branch(runner, "demo", f"polecat/nux/{bead}", {"shared.txt": "landed\n"},
                      tmp_path)  # fmt: skip
        mr = file_merge_request(town, "demo", bead, f"polecat/nux/{bead}")
        crashed = runner.gt("refinery", "run", "demo", "--once", check=False,
                            env={"GT_FAULT": "refinery.after_land"})  # fmt: skip
        assert crashed.returncode == -9, crashed.stderr
        landed = main_head(runner)
        assert runner.git(source, "rev-parse", "main") != landed, "killed before its push"
        run_refinery(Refinery(town, "demo"), once=True)  # the restart recovers, and pushes
        assert record(town, mr)["metadata"]["state"] == "merged"
        assert runner.git(source, "rev-parse", "main") == landed
    finally:
        town.close()
    clone = tmp_path / "town-clone"
    subprocess.run(["git", "clone", "-q", str(runner.root), str(clone)], check=True,
                   env=runner.env)  # fmt: skip
    assert not (clone / "rigs" / "demo" / "repo.git").exists()
    fresh = Town(TownPaths(clone), environ=dict(runner.env))
    try:
        repository = ensure_repository(fresh, fresh.rig("demo"))
    finally:
        fresh.close()
    assert runner.git(repository, "rev-parse", "main") == landed
    assert runner.git(repository, "show", "main:shared.txt") == "landed"
