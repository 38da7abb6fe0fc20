"""A small fleet end to end under `gt up`: six beads, three sim polecats, the daemon and the
Refinery in their tmux sessions. Two beads edit the same line: one lands first, the other comes
back as REWORK_REQUEST and lands on its second attempt. Every commit on main passes the tests.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from town_fixtures import TownRunner, eventually


def test_six_beads_three_polecats_all_land_and_main_stays_green(
    rig_town: TownRunner, tmp_path: Path
) -> None:
    town = rig_town
    rig_toml = town.root / "rigs" / "demo" / "rig.toml"
    rig_toml.write_text(rig_toml.read_text().replace("max_polecats = 8", "max_polecats = 3"))
    repo = town.root / "rigs" / "demo" / "repo.git"
    start = town.git(repo, "rev-parse", "main")
    beads = [town.bd("create", f"Fleet work {n}", "--rig", "demo", "--json").json()["id"]
             for n in range(6)]  # fmt: skip
    town.gt("up")
    for n, bead in enumerate(beads):
        extra = ["--var", f"sim.edit=README.md:2:edited by {bead}"] if n in (1, 4) else []
        town.gt("sling", bead, "demo", "--var", "sim.step_delay=0.2", *extra)
    polecats = town.gt("polecat", "list", "--rig", "demo", "--json").json()
    assert len(polecats) == 3, "six beads, three polecats: the rest wait on hooks"

    def all_closed() -> bool:
        return all(town.bead(b)["status"] == "closed" for b in beads)

    eventually(all_closed, what="all six beads to land", timeout=240)
    reworked = [e["bead"] for e in town.events() if e["op"] == "rework"]
    assert len(reworked) == 1 and reworked[0] in (beads[1], beads[4])
    commits = town.git(repo, "rev-list", "--reverse", f"{start}..main").split()
    assert len(commits) == 6, "one squashed commit per bead"
    for commit in commits:
        checkout = tmp_path / commit[:12]
        town.git(repo, "worktree", "add", "--detach", str(checkout), commit)
        done = subprocess.run(["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                              cwd=checkout, env=town.env, capture_output=True)  # fmt: skip
        assert done.returncode == 0, (commit, done.stdout[-500:])
    readme_line = town.git(repo, "show", "main:README.md").splitlines()[1]
    assert readme_line in (f"edited by {beads[1]}", f"edited by {beads[4]}")
    town.gt("down")
