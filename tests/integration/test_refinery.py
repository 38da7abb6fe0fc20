"""The Refinery with sim workers: merges land as one commit each, conflicts and red gates come
back as REWORK_REQUEST (at most three times), a target that fails on its own gets one bug bead
and still takes work.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from town_fixtures import TownRunner, create_bead, eventually, make_source_repo, messages


def mr_of(town: TownRunner, bead: str) -> list[dict[str, Any]]:
    listed = town.bd("list", "--all", "-t", "merge-request", "--json").json()
    return [mr for mr in listed if mr["metadata"]["source_issue"] == bead]


def queued(town: TownRunner, bead: str) -> bool:
    return any(mr["metadata"]["state"] == "queued" for mr in mr_of(town, bead))


def refinery_once(town: TownRunner, rig: str = "demo") -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = town.gt("refinery", "run", rig, "--once", "--json").json()
    return result


def main_log(town: TownRunner, rig: str = "demo") -> list[str]:
    repo = town.root / "rigs" / rig / "repo.git"
    return town.git(repo, "log", "--format=%H %s", "main").splitlines()


def passes_tests(town: TownRunner, commit: str, scratch: Path) -> bool:
    repo = town.root / "rigs" / "demo" / "repo.git"
    checkout = scratch / commit[:12]
    town.git(repo, "worktree", "add", "--detach", str(checkout), commit)
    done = subprocess.run(["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=checkout, capture_output=True, env=town.env)  # fmt: skip
    return done.returncode == 0


def test_two_merge_requests_land_as_one_commit_each(rig_town: TownRunner, tmp_path: Path) -> None:
    town = rig_town
    first, second = create_bead(town, "First change"), create_bead(town, "Second change")
    town.gt("sling", first, "demo")
    town.gt("sling", second, "demo")
    eventually(lambda: queued(town, first) and queued(town, second), what="two queued MRs")
    before = main_log(town)
    outcomes = refinery_once(town)
    assert [o["result"] for o in outcomes] == ["merged", "merged"]
    after = main_log(town)
    assert len(after) == len(before) + 2
    subjects = [line.split(" ", 1)[1] for line in after[:2]]
    assert {s.split(":")[0] for s in subjects} == {first, second}
    for bead in (first, second):
        record = town.bead(bead)
        assert record["status"] == "closed" and record["close_reason"].startswith("merged in ")
        (mr,) = mr_of(town, bead)
        assert mr["status"] == "closed" and mr["metadata"]["state"] == "merged"
        assert mr["metadata"]["merge_commit"] in {line.split()[0] for line in after[:2]}
    merged_events = [e for e in town.events() if e["op"] == "merged"]
    assert len(merged_events) == 2 and {e["data"]["bead"] for e in merged_events} == {first, second}
    assert len(messages(town, "demo/witness", "MERGED")) == 2
    assert all(passes_tests(town, line.split()[0], tmp_path) for line in after[:2])


def test_a_red_gate_never_reaches_main_and_the_bead_comes_back(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Breaks the tests")
    town.gt("sling", bead, "demo", "--var", "sim.mode=break-tests")
    eventually(lambda: queued(town, bead), what="the MR")
    before = main_log(town)
    (outcome,) = refinery_once(town)
    assert outcome["result"] == "failed" and outcome["detail"] == "gate test"
    assert main_log(town) == before
    (mr,) = [m for m in mr_of(town, bead) if m["metadata"]["state"] == "failed"]
    (rework,) = [e for e in town.events() if e["op"] == "rework"]
    assert rework["data"]["set"] == {"status": "hooked", "assignee": "demo/polecats/nux",
                                     "updated_at": rework["ts"]}  # fmt: skip
    assert rework["data"]["failure_type"] == "tests" and rework["data"]["attempt"] == 2
    assert rework["data"]["metadata"]["formula"] == "mol-polecat-rework"
    (request,) = messages(town, "demo/polecats/nux", "REWORK_REQUEST")
    assert request["metadata"]["mr"] == mr["id"] and request["metadata"]["gate"] == "test"
    assert "sim broke the tests" in request["description"]
    # The second attempt (same mode) is refused again: it never reaches main.
    eventually(lambda: queued(town, bead), what="the second attempt's MR")
    (again,) = refinery_once(town)
    assert again["result"] == "failed" and main_log(town) == before
    assert town.bead(bead)["metadata"]["attempt"] == 3
    # Bounded like respawns (DESIGN §6): the fourth attempt fails too, and its REWORK (the
    # fourth) is refused: the bead is blocked for a human with a HIGH escalation.
    eventually(lambda: queued(town, bead), what="the third attempt's MR")
    assert refinery_once(town)[0]["result"] == "failed"
    eventually(lambda: queued(town, bead), what="the fourth attempt's MR")
    (last,) = refinery_once(town)
    assert last["result"] == "failed" and "rework limit" in last["detail"]
    record = town.bead(bead)
    assert record["status"] == "blocked" and "gt:needs-human" in record["labels"]
    assert record["metadata"]["attempt"] == 4 and record["metadata"]["reworks"] == 3
    assert len(mr_of(town, bead)) == 4 and main_log(town) == before
    (escalation,) = town.bd("list", "-t", "escalation", "--json").json()
    assert escalation["metadata"]["severity"] == "HIGH" and escalation["metadata"]["issue"] == bead
    assert "sim broke the tests" in escalation["metadata"]["details"]
    assert len(messages(town, "demo/polecats/nux", "REWORK_REQUEST")) == 3


def test_a_conflict_comes_back_and_lands_on_the_second_attempt(rig_town: TownRunner) -> None:
    town = rig_town
    first, second = create_bead(town, "Edit line one"), create_bead(town, "Edit line one too")
    town.gt("sling", first, "demo", "--var", "sim.edit=README.md:1:first edit")
    town.gt("sling", second, "demo", "--var", "sim.edit=README.md:1:second edit")
    eventually(lambda: queued(town, first) and queued(town, second), what="two queued MRs")
    outcomes = {o["mr"]: o["result"] for o in refinery_once(town)}
    assert sorted(outcomes.values()) == ["conflict", "merged"]
    loser = second if outcomes[mr_of(town, second)[0]["id"]] == "conflict" else first
    worker = mr_of(town, loser)[0]["metadata"]["worker"]
    (request,) = messages(town, worker, "REWORK_REQUEST")
    assert request["metadata"]["conflict_files"] == "README.md"
    eventually(lambda: queued(town, loser), what="the second attempt's MR")
    (retry,) = refinery_once(town)
    assert retry["result"] == "merged"
    assert town.bead(loser)["status"] == "closed"
    repo = town.root / "rigs" / "demo" / "repo.git"
    assert town.git(repo, "show", "main:README.md").splitlines()[0].endswith("edit")
    branches = town.git(repo, "branch", "--list", f"polecat/*/{loser}-r2")
    assert branches.strip(), "the second attempt ran on its -r2 branch"


def test_a_gate_that_fails_on_main_files_one_bug_and_the_branch_lands(
    town: TownRunner, tmp_path: Path
) -> None:
    source = make_source_repo(tmp_path / "src", town.env)
    (source / "check.sh").write_text("echo 'FAILED: main is broken (not your change)'; exit 1\n")
    for args in (["add", "-A"], ["commit", "-q", "-m", "a broken check"]):
        subprocess.run(["git", *args], cwd=source, env=town.env, check=True)
    town.gt("rig", "add", "demo", str(source), "--prefix", "dm", "--runtime", "sim",
            "--gate", "test=sh check.sh")  # fmt: skip
    beads = [create_bead(town, "One"), create_bead(town, "Two")]
    for bead in beads:
        town.gt("sling", bead, "demo")
    eventually(lambda: all(queued(town, b) for b in beads), what="two queued MRs")
    outcomes = refinery_once(town)
    assert [o["result"] for o in outcomes] == ["merged", "merged"]
    bugs = town.bd("list", "-t", "bug", "--json").json()
    assert len(bugs) == 1 and "main is broken" in bugs[0]["title"]
    assert bugs[0]["metadata"]["gate"] == "test"
    assert outcomes[0]["bugs"] == [bugs[0]["id"]] and outcomes[1]["bugs"] == [bugs[0]["id"]]


def test_push_to_source_sends_each_landed_commit_to_the_rigs_repository(
    rig_town: TownRunner, tmp_path: Path
) -> None:
    town = rig_town
    rig_toml = town.root / "rigs" / "demo" / "rig.toml"
    rig_toml.write_text(rig_toml.read_text().replace("push_to_source = false",
                                                     "push_to_source = true"))  # fmt: skip
    source = tmp_path / "source"
    town.git(source, "checkout", "-q", "--detach")  # a non-bare source accepts a push to main
    bead = create_bead(town, "Ship it upstream")
    town.gt("sling", bead, "demo")
    eventually(lambda: queued(town, bead), what="the MR")
    (outcome,) = refinery_once(town)
    assert outcome["result"] == "merged"
    assert town.git(source, "rev-parse", "main") == outcome["commit"]
