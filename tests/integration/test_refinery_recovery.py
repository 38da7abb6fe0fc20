"""The Refinery survives being killed: during its gates, and right after it moves the target.
Batch mode lands the good MRs of a stack and sends the bad one back. A small fleet lands all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from town_fixtures import TownRunner, create_bead, eventually, make_source_repo


def wait_queued(town: TownRunner, *beads: str) -> None:
    def all_queued() -> bool:
        return all(town.bead(b)["status"] == "in_progress" for b in beads)

    eventually(all_queued, what=f"{len(beads)} queued MRs", timeout=120)


def landed(town: TownRunner, mr: str) -> list[str]:
    repo = town.root / "rigs" / "demo" / "repo.git"
    found = town.git(repo, "log", "--format=%H", f"--grep=^Merge-Request: {mr}$", "main")
    return found.split()


def mr_of(town: TownRunner, bead: str, attempt: int = 1) -> dict[str, Any]:
    listed = town.bd("list", "--all", "-t", "merge-request", "--json").json()
    (mr,) = [
        m
        for m in listed
        if m["metadata"]["source_issue"] == bead and m["metadata"]["attempt"] == attempt
    ]
    return dict(mr)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def slow_gate_town(town: TownRunner, tmp_path: Path) -> Path:
    """A rig whose test gate, while `slow` exists, records its pid and sleeps."""
    source = make_source_repo(tmp_path / "src", town.env)
    flag = tmp_path / "slow"
    gate = (f"if [ -e {flag} ]; then echo $$ > {tmp_path / 'gate.pid'}; sleep 120; fi; "
            "python3 -m pytest -q -p no:cacheprovider")  # fmt: skip
    town.gt("rig", "add", "demo", str(source), "--prefix", "dm", "--runtime", "sim",
            "--gate", f"test={gate}", "--no-gate-check")  # fmt: skip
    return flag


def test_refinery_killed_during_its_gates_recovers_on_gt_up(
    town: TownRunner, tmp_path: Path
) -> None:
    flag = slow_gate_town(town, tmp_path)
    flag.touch()
    bead = create_bead(town, "Merge me through a crash")
    town.gt("sling", bead, "demo")
    wait_queued(town, bead)
    refinery = subprocess.Popen(
        [sys.executable, "-m", "gastown_tui.cli.gt_main", "refinery", "run", "demo"],
        cwd=town.root, env=town.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    pid_file = tmp_path / "gate.pid"
    eventually(lambda: pid_file.exists() and pid_file.read_text().strip(), what="the gate")
    gate_pid = int(pid_file.read_text())
    refinery.send_signal(signal.SIGKILL)
    refinery.wait(timeout=30)
    assert alive(gate_pid), "the gate runs in its own process group: the crash leaves it"
    mr = mr_of(town, bead)
    assert mr["metadata"]["state"] == "testing"
    flag.unlink()
    town.gt("up")
    eventually(lambda: not alive(gate_pid), what="the leftover gate to be killed")
    eventually(lambda: mr_of(town, bead)["metadata"]["state"] == "merged", what="the merge")
    assert len(landed(town, mr["id"])) == 1
    assert len([e for e in town.events() if e["op"] == "merged"]) == 1
    assert town.bead(bead)["status"] == "closed"


def test_refinery_killed_right_after_moving_the_target_finishes_once(
    rig_town: TownRunner,
) -> None:
    town = rig_town
    bead = create_bead(town, "Land exactly once")
    town.gt("sling", bead, "demo")
    wait_queued(town, bead)
    crashed = town.gt("refinery", "run", "demo", "--once", check=False,
                      env={"GT_FAULT": "refinery.after_land"})  # fmt: skip
    assert crashed.returncode == -9
    mr = mr_of(town, bead)
    assert mr["metadata"]["state"] == "testing" and len(landed(town, mr["id"])) == 1
    town.gt("up")
    eventually(lambda: mr_of(town, bead)["metadata"]["state"] == "merged", what="recovery")
    assert len(landed(town, mr["id"])) == 1, "recovered, not merged a second time"
    assert mr_of(town, bead)["metadata"]["merge_commit"] == landed(town, mr["id"])[0]
    assert len([e for e in town.events() if e["op"] == "merged"]) == 1
    assert town.bead(bead)["status"] == "closed"


@pytest.mark.parametrize("probes", [1, 5])
def test_batch_mode_lands_four_and_sends_the_third_back(rig_town: TownRunner, probes: int) -> None:
    town = rig_town
    rig_toml = town.root / "rigs" / "demo" / "rig.toml"
    text = rig_toml.read_text().replace("batch = 1", "batch = 5")
    rig_toml.write_text(text.replace("parallel_probes = 1", f"parallel_probes = {probes}"))
    beads = [create_bead(town, f"Batch item {n}") for n in range(1, 6)]
    for n, bead in enumerate(beads, start=1):
        extra = ["--var", "sim.mode=break-tests"] if n == 3 else []
        town.gt("sling", bead, "demo", *extra)
    wait_queued(town, *beads)
    bad = beads[2]
    bad_mr = mr_of(town, bad)["id"]
    outcomes = town.gt("refinery", "run", "demo", "--once", "--json").json()
    results = {o["mr"]: o["result"] for o in outcomes}
    assert results.pop(bad_mr) == "failed"
    assert sorted(results.values()) == ["merged"] * 4
    merged = [b for b in beads if town.bead(b)["status"] == "closed"]
    assert sorted(merged) == sorted(b for b in beads if b != bad)
    repo = town.root / "rigs" / "demo" / "repo.git"
    subjects = town.git(repo, "log", "--format=%s", "main").splitlines()
    assert sum(1 for s in subjects if s.split(":")[0] in beads) == 4
    assert not any(s.startswith(bad) for s in subjects)
    rework = [e for e in town.events() if e["op"] == "rework" and e["bead"] == bad]
    assert rework and rework[0]["data"]["failure_type"] == "tests"
    # One stack, one red tip, one retry, then bisection: fewer gate runs than one per MR.
    merged_events = [e for e in town.events() if e["op"] == "merged"]
    assert len(merged_events) == 4
