"""`gt demo`: the demo town works end to end without an API key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from town_fixtures import TownRunner, eventually, town_env


def test_the_demo_town_lands_all_four_beads_on_main(tmp_path: Path, tmux_dir: Path) -> None:
    env = town_env(tmp_path / "home", tmux_dir)
    (tmp_path / "home").mkdir()
    for key in [k for k in env if k.startswith("GIT_")]:
        del env[key]  # the demo must commit even where git has no identity configured
    done = subprocess.run(
        [sys.executable, "-m", "gastown_tui.cli.gt_main", "demo", "--dir", str(tmp_path / "d"),
         "--step-delay", "0", "--json"], env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    town = TownRunner(Path(result["town"]), {**env, "GT_TOWN": result["town"]})
    try:
        assert len(result["beads"]) == 4 and result["slung"] == result["beads"][:3]

        def landed() -> bool:
            return all(town.bead(b)["status"] == "closed" for b in result["beads"])

        eventually(landed, what="all four beads merged", timeout=180)
        repo = Path(result["town"]) / "rigs" / "demo-app" / "repo.git"
        subjects = town.git(repo, "log", "--format=%s", "main").splitlines()
        assert sorted(s.split(":")[0] for s in subjects[:4]) == sorted(result["beads"])
        # The fourth waited for the other three, then the daemon gave it out by itself.
        (slung,) = [
            e for e in town.events() if e["op"] == "sling" and e["bead"] == result["beads"][3]
        ]
        assert slung["actor"] == "deacon"
    finally:
        town.tmux("kill-server")


def test_the_beads_sample_demo_prints_stats_and_ready(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gastown_tui.cli.gt_main", "demo", "--beads-sample", "--dir",
         str(tmp_path / "s")], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "$ bd stats" in done.stdout and "$ bd ready --limit 10" in done.stdout
    assert (tmp_path / "s" / ".beads" / "events.jsonl").stat().st_size > 0
