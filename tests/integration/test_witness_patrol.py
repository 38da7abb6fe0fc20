"""The Witness patrol inside a foreground `gt daemon run` (DESIGN §6): a queued MR whose branch is
in repo.git at its commit is verified and announced to the refinery with MERGE_READY, once; a
polecat worktree left dirty by a crashed `gt done` gets one RECOVERY_NEEDED to the deacon.
"""

from __future__ import annotations

from typing import Any

from town_fixtures import (
    TownRunner,
    create_bead,
    eventually,
    findings,
    foreground_daemon,
    messages,
    patrol_tick,
    patrols,
)


def sling_to_queue(town: TownRunner, bead: str) -> str:
    """Sling `bead`; once its worker's `gt done` handed it to the refinery, its MR id."""
    town.gt("sling", bead, "demo")

    def handed_over() -> str:
        record = town.bead(bead)
        if record["status"] == "in_progress" and record.get("assignee") == "demo/refinery":
            return str(record["metadata"]["mr"])
        return ""

    return eventually(handed_over, what=f"{bead} in the merge queue", timeout=120)


def last_witness_tick(town: TownRunner) -> int:
    return patrol_tick(town, "witness")


def wait_ticks(town: TownRunner, count: int) -> None:
    """Let the witness patrol `count` more times."""
    start = last_witness_tick(town)
    eventually(lambda: last_witness_tick(town) >= start + count, what=f"{count} more witness ticks")


def merge_ready(town: TownRunner, mr: str) -> list[dict[str, Any]]:
    return [m for m in messages(town, "demo/refinery", "MERGE_READY") if m["metadata"]["mr"] == mr]


def test_each_verified_request_gets_one_merge_ready_for_the_refinery(
    rig_town: TownRunner,
) -> None:
    town = rig_town
    beads = [
        create_bead(town, "First for the refinery"),
        create_bead(town, "Second for the refinery"),
    ]
    mrs = [sling_to_queue(town, bead) for bead in beads]
    with foreground_daemon(town, "witness"):
        eventually(lambda: all(merge_ready(town, mr) for mr in mrs), what="two MERGE_READY")
        wait_ticks(town, 6)
    for bead, mr in zip(beads, mrs, strict=True):
        (message,) = merge_ready(town, mr)
        branch = f"polecat/nux/{bead}"
        assert message["metadata"] == {"msg_type": "MERGE_READY", "mr": mr, "branch": branch,
                                       "verified": "yes"}  # fmt: skip
        assert "from:demo/witness" in message["labels"] and message["status"] == "open"
        assert town.bead(mr)["metadata"]["verified"] is True
        assert [f for _, f in findings(town, "witness", mr=mr)] == [
            {"mr": mr, "action": "merge_ready"}
        ]
        (verified,) = [e for e in town.events() if e["op"] == "update" and e["bead"] == mr
                       and e["data"].get("metadata", {}).get("verified")]  # fmt: skip
        assert verified["actor"] == "demo/witness"
    assert all(e["actor"] == "demo/witness" and e["data"]["rig"] == "demo"
               for e in patrols(town, "witness"))  # fmt: skip
    # A restarted daemon remembers nothing, but the verified flag is in the log: no repeat.
    with foreground_daemon(town, "witness"):
        wait_ticks(town, 3)
    assert [len(merge_ready(town, mr)) for mr in mrs] == [1, 1]


def test_a_request_whose_branch_is_gone_or_moved_is_reported_not_made_ready(
    rig_town: TownRunner,
) -> None:
    town = rig_town
    gone, moved, fine = (create_bead(town, "Branch deleted"), create_bead(town, "Branch moved"),
                         create_bead(town, "Branch intact"))  # fmt: skip
    mrs = {bead: sling_to_queue(town, bead) for bead in (gone, moved, fine)}
    repo = town.root / "rigs" / "demo" / "repo.git"
    town.git(repo, "branch", "-D", f"polecat/nux/{gone}")
    town.git(repo, "update-ref", f"refs/heads/polecat/nux/{moved}", "main")
    with foreground_daemon(town, "witness"):
        eventually(lambda: merge_ready(town, mrs[fine]), what="MERGE_READY for the intact one")
        eventually(lambda: findings(town, "witness", mr=mrs[gone]), what="the missing branch")
        eventually(lambda: findings(town, "witness", mr=mrs[moved]), what="the moved branch")
        wait_ticks(town, 6)
    assert [f for _, f in findings(town, "witness", mr=mrs[gone])] == [
        {"mr": mrs[gone], "branch": f"polecat/nux/{gone}", "problem": "branch missing"}
    ]
    assert [f for _, f in findings(town, "witness", mr=mrs[moved])] == [
        {"mr": mrs[moved], "branch": f"polecat/nux/{moved}", "problem": "branch moved"}
    ]
    for bead in (gone, moved):
        assert merge_ready(town, mrs[bead]) == []
        request = town.bead(mrs[bead])
        assert "verified" not in request["metadata"]
        assert request["metadata"]["state"] == "queued"
    assert len(merge_ready(town, mrs[fine])) == 1


def test_a_worktree_left_dirty_by_a_crashed_done_gets_one_recovery_needed(
    rig_town: TownRunner,
) -> None:
    town = rig_town
    bead = create_bead(town, "Crash in gt done")
    town.gt("sling", bead, "demo", "--var", "sim.mode=hang")
    worktree = town.root / "rigs" / "demo" / "polecats" / "nux"
    eventually(lambda: "hanging" in town.tmux("capture-pane", "-p", "-t", "dm-nux").stdout,
               what="the sim to settle")  # fmt: skip
    (worktree / "work.txt").write_text("the work\n")
    crashed = town.gt("done", "--agent", "demo/polecats/nux", check=False, cwd=worktree,
                      env={"GT_FAULT": "done.after_mr"})  # fmt: skip
    assert crashed.returncode == -9, crashed.stderr
    assert town.bead(bead)["status"] == "in_progress"
    # `gt done` committed the leftovers before filing; new work after the crash is uncommitted.
    (worktree / "after-the-crash.txt").write_text("not committed\n")
    town.tmux("kill-session", "-t", "=dm-nux")
    assert "dm-nux" not in town.sessions()
    branch = f"polecat/nux/{bead}"
    with foreground_daemon(town, "witness"):
        (_, finding), *_ = eventually(
            lambda: findings(town, "witness", action="recovery_needed"), what="RECOVERY_NEEDED"
        )
        wait_ticks(town, 8)
    assert finding == {"polecat": "demo/polecats/nux", "issue": bead, "branch": branch,
                       "action": "recovery_needed"}  # fmt: skip
    assert len(findings(town, "witness", action="recovery_needed")) == 1
    (message,) = messages(town, "deacon", "RECOVERY_NEEDED")
    assert message["metadata"] == {"msg_type": "RECOVERY_NEEDED", "rig": "demo",
                                   "polecat": "nux", "issue": bead, "branch": branch,
                                   "cleanup_status": "has_uncommitted"}  # fmt: skip
    assert "from:demo/witness" in message["labels"]
    # Nobody cleaned it up behind the deacon's back: the Dogs leave a dirty worktree alone.
    assert (worktree / "after-the-crash.txt").read_text() == "not committed\n"
    # A restarted daemon (a witness with no memory) does not say it again.
    with foreground_daemon(town, "witness"):
        wait_ticks(town, 4)
    assert len(messages(town, "deacon", "RECOVERY_NEEDED")) == 1
    assert (worktree / "after-the-crash.txt").exists()


def test_a_clean_worktree_and_a_live_session_get_no_recovery_needed(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Still working")
    town.gt("sling", bead, "demo", "--var", "sim.mode=hang")
    worktree = town.root / "rigs" / "demo" / "polecats" / "nux"
    eventually(lambda: "hanging" in town.tmux("capture-pane", "-p", "-t", "dm-nux").stdout,
               what="the sim to settle")  # fmt: skip
    (worktree / "in-progress.txt").write_text("a live worker's uncommitted work\n")
    with foreground_daemon(town, "witness"):
        wait_ticks(town, 5)
    assert findings(town, "witness", action="recovery_needed") == []
    assert messages(town, "deacon", "RECOVERY_NEEDED") == []
