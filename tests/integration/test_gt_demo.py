"""`gt demo`: the demo town works end to end without an API key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from town_fixtures import TownRunner, eventually, town_env


def test_the_demo_town_takes_three_beads_to_the_merge_queue(tmp_path: Path, tmux_dir: Path) -> None:
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

        def queued() -> bool:
            listed = town.bd("list", "-t", "merge-request", "--json").json()
            return len(listed) == 3

        eventually(queued, what="three merge requests")
        blocked = town.bd("blocked", "--json").json()
        assert [b["id"] for b in blocked] == [result["beads"][3]]
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
