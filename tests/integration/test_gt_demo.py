"""`gt demo`: the demo town works end to end without an API key."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from town_fixtures import TownRunner, eventually, town_env


def test_the_demo_town_flows_conflicts_asks_for_help_and_lands_its_convoy(
    tmp_path: Path, tmux_dir: Path
) -> None:
    """Two rigs with real gates, six sim polecats, a convoy across both rigs, a merge conflict
    that is reworked and lands, HELP escalations, and a release bead the daemon hands out once
    the work it waits for has landed."""
    env = town_env(tmp_path / "home", tmux_dir)
    (tmp_path / "home").mkdir()
    for key in [k for k in env if k.startswith("GIT_")]:
        del env[key]  # the demo must commit even where git has no identity configured
    done = subprocess.run(
        [sys.executable, "-m", "gastown_tui.cli.gt_main", "demo", "--no-tui", "--dir",
         str(tmp_path / "d"), "--step-delay", "0", "--json"], env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    town = TownRunner(Path(result["town"]), {**env, "GT_TOWN": result["town"]})
    beads = result["beads"]
    try:
        assert result["rigs"] == ["demo-app", "demo-lib"] and len(result["polecats"]) == 6
        members = [e["data"]["dependency"]["depends_on_id"] for e in town.events()
                   if e["op"] == "dep_add" and e["bead"] == result["convoy"]]  # fmt: skip
        assert {m.split("-")[0] for m in members} == {"app", "lib"}, "across both rigs"

        def landed(bead: str) -> bool:
            return bool(town.bead(bead)["status"] == "closed")

        eventually(lambda: all(landed(b) for b in [*members, beads["release"]]), timeout=240,
                   what="the convoy's work and the release landed")  # fmt: skip
        eventually(lambda: landed(result["convoy"]), timeout=60,
                   what="the daemon's convoy patrol to land the convoy")  # fmt: skip
        ops = [(e["op"], e["data"].get("failure_type")) for e in town.events()]
        assert ("merge_failed", "conflict") in ops, "the two README titles conflict"
        asked = {e["bead"] for e in town.events() if e["op"] == "escalate"}
        assert asked == {beads["overflow"], beads["empty-name"]}
        (slung,) = [
            e for e in town.events() if e["op"] == "sling" and e["bead"] == beads["release"]
        ]
        assert slung["actor"] == "deacon", "the daemon handed the release out by itself"
        named = set(re.findall(r"\b(?:app|lib|hq)-[0-9a-z]{4}\b", _readme_demo_section()))
        assert named and named <= {*beads.values(), result["convoy"]}, "README's ids exist"
        repo = Path(result["town"]) / "rigs" / "demo-lib" / "repo.git"
        subjects = town.git(repo, "log", "--format=%s", "main").splitlines()
        assert {beads["subtract"], beads["multiply"]} <= {s.split(":")[0] for s in subjects}
    finally:
        town.tmux("kill-server")


def _readme_demo_section() -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    return readme.split("## In the demo town", 1)[1].split("\n## ", 1)[0]


def test_the_beads_sample_demo_prints_stats_and_ready(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gastown_tui.cli.gt_main", "demo", "--beads-sample", "--dir",
         str(tmp_path / "s")], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "$ bd stats" in done.stdout and "$ bd ready --limit 10" in done.stdout
    assert (tmp_path / "s" / ".beads" / "events.jsonl").stat().st_size > 0
