"""The supervision chain with sim workers (DESIGN §6): ZOMBIE, STALLED → GUPP, the respawn
limit, Boot, Dogs, the Idle Polecat Heresy. Ticks are counted from the patrols' heartbeats (a
pass logs a `patrol` event only when it found something).
"""

from __future__ import annotations

import json
import subprocess
import sys

from town_fixtures import (
    TownRunner,
    beat_of,
    create_bead,
    eventually,
    findings,
    foreground_daemon,
    heartbeat,
    patrol_tick,
)


def last_tick(town: TownRunner) -> int:
    return patrol_tick(town, "deacon")


def test_a_killed_session_is_a_zombie_within_two_ticks_and_its_bead_still_lands(
    rig_town: TownRunner,
) -> None:
    town = rig_town
    bead = create_bead(town, "Survive a crash")
    town.gt("sling", bead, "demo", "--var", "sim.step_delay=1")
    with foreground_daemon(town):
        eventually(
            lambda: [
                e for e in town.events() if e["op"] == "close" and e["actor"] == "demo/polecats/nux"
            ],
            what="a first step done",
        )
        killed_at = last_tick(town)
        town.tmux("kill-session", "-t", "=dm-nux")
        (tick, zombie), *_ = eventually(
            lambda: findings(town, "deacon", state="ZOMBIE", bead=bead), what="ZOMBIE"
        )
        assert tick <= killed_at + 2, (tick, killed_at)
        assert zombie["action"] == "fresh" and zombie["respawn"] == 1
        starts = [e for e in town.events() if e["op"] == "session_start" and e["bead"] == bead]
        assert len(starts) == 2
        eventually(lambda: town.bead(bead)["status"] == "in_progress",
                   what="the fresh session's gt done")  # fmt: skip
        town.gt("refinery", "run", "demo", "--once")
        assert town.bead(bead)["status"] == "closed"
    ended = [e for e in town.events() if e["op"] == "session_end" and e["bead"] == bead]
    assert ended[0]["data"]["reason"] == "zombie: the session is dead"


def test_a_hanging_worker_is_nudged_restarted_and_finally_blocked_for_a_human(
    rig_town: TownRunner,
) -> None:
    town = rig_town
    settings = town.root.joinpath("town.toml").read_text()
    # Shorter STALLED and GUPP than the test profile's: three respawns in seconds, not half a
    # minute (the loop is the same).
    test_profile = settings.index("[profiles.test]")
    faster = settings[test_profile:].replace("stalled = 3\n", "stalled = 1\n", 1)
    faster = faster.replace("gupp = 6\n", "gupp = 2.5\n", 1)
    town.root.joinpath("town.toml").write_text(
        settings[:test_profile].replace("auto_dispatch = false", "auto_dispatch = true") + faster
    )
    bead = create_bead(town, "Hang forever")
    town.gt("sling", bead, "demo", "--var", "sim.mode=hang")
    with foreground_daemon(town):
        eventually(lambda: findings(town, "deacon", state="STALLED", bead=bead), what="STALLED")
        nudges = [e for e in town.events() if e["op"] == "nudge"]
        assert nudges and nudges[0]["data"]["target"] == "demo/polecats/nux"
        eventually(lambda: findings(town, "deacon", state="GUPP", action="restart"),
                   what="a GUPP restart", timeout=90)  # fmt: skip
        eventually(lambda: town.bead(bead)["status"] == "blocked", what="blocked",
                   timeout=180)  # fmt: skip
        record = town.bead(bead)
        assert "gt:needs-human" in record["labels"] and record["metadata"]["respawns"] == 3
        escalations = town.bd("list", "-t", "escalation", "--json").json()
        (high,) = [e for e in escalations if e["metadata"]["issue"] == bead]
        assert high["metadata"]["severity"] == "HIGH"
        blocked_at = last_tick(town)
        eventually(lambda: last_tick(town) >= blocked_at + 6, what="six more ticks")
    slings = [e for e in town.events() if e["op"] == "sling" and e["bead"] == bead]
    assert len(slings) == 1, "a bead blocked for a human is never slung again"
    assert town.bead(bead)["status"] == "blocked"
    assert [f for _, f in findings(town, "dispatch") if f.get("bead") == bead] == []


def test_a_worker_waiting_on_its_help_escalation_is_neither_nudged_nor_restarted(
    rig_town: TownRunner,
) -> None:
    """Waiting for the operator's answer is not a stall: no nudge, no GUPP restart, and one
    question stays one escalation (it used to be restarted every GUPP and asked again)."""
    town = rig_town
    bead = create_bead(town, "Needs a decision")
    town.gt("sling", bead, "demo", "--var", "sim.mode=help")
    with foreground_daemon(town):
        eventually(lambda: [e for e in town.events() if e["op"] == "escalate"],
                   what="the HELP escalation")  # fmt: skip
        asked_at = last_tick(town)
        # The test profile's GUPP is 6 s at 0.25 s ticks: 40 ticks are well past it.
        eventually(lambda: last_tick(town) >= asked_at + 40, what="forty more ticks", timeout=90)
        (rig,) = town.gt("status", "--json").json()["rigs"]
        (nux,) = [p for p in rig["polecats"] if p["current"] == bead]
        assert nux["state"] == "waiting", "shown as waiting for the operator, not stalled"
    assert findings(town, "deacon", bead=bead) == []
    assert [e for e in town.events() if e["op"] == "nudge"] == []
    escalations = town.bd("list", "-t", "escalation", "--json").json()
    assert [e["metadata"]["issue"] for e in escalations] == [bead]
    # Asking again about the same issue (as a restarted session would) gives the same card.
    again = town.gt("escalate", "create", "-s", "MEDIUM", "still stuck", "--issue", bead,
                    "--json", env={"BD_ACTOR": "demo/polecats/nux"}).json()  # fmt: skip
    assert again["id"] == escalations[0]["id"]
    assert len(town.bd("list", "-t", "escalation", "--json").json()) == 1


def test_a_wedged_patrol_is_restarted_by_boot(rig_town: TownRunner) -> None:
    town = rig_town
    with foreground_daemon(town, GT_FAULT="patrol.witness.wedge") as daemon:
        assert heartbeat(town, "patrol-witness") is None, "the first generation is wedged"
        (tick, restart), *_ = eventually(lambda: findings(town, "boot", restarted="witness"),
                                         what="Boot to restart the witness")  # fmt: skip
        assert restart["generation"] == 2
        beat = eventually(lambda: beat_of(town, "patrol-witness", daemon.pid),
                          what="the witness patrolling again")  # fmt: skip
    # The first generation never finished a pass; the second takes the tick Boot replaced it on.
    assert beat["tick"] >= tick


def test_dogs_remove_an_orphaned_worktree_and_a_merged_branch(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Land and clean up")
    town.gt("sling", bead, "demo")
    eventually(lambda: town.bead(bead)["status"] == "in_progress", what="the MR")
    town.gt("refinery", "run", "demo", "--once")
    repo = town.root / "rigs" / "demo" / "repo.git"
    branch = f"polecat/nux/{bead}"
    assert town.git(repo, "branch", "--list", branch)
    orphan = town.root / "rigs" / "demo" / "polecats" / "ghost"
    town.git(repo, "worktree", "add", "-q", "-b", "polecat/ghost/x", str(orphan), "main")
    with foreground_daemon(town):
        eventually(lambda: findings(town, "dogs", action="deleted", branch=branch),
                   what="the merged branch deleted")  # fmt: skip
        eventually(lambda: not orphan.exists(), what="the orphaned worktree removed")
    assert not town.git(repo, "branch", "--list", branch)
    assert findings(town, "dogs", worktree=str(orphan), reason="no agent")


def test_idle_polecat_heresy_reported_when_off_and_fixed_when_on(rig_town: TownRunner) -> None:
    town = rig_town
    town.gt("polecat", "spawn", "demo")
    bead = create_bead(town, "Ready and waiting")
    with foreground_daemon(town):
        (_, reported), *_ = eventually(lambda: findings(town, "dispatch", heresy="idle polecat"),
                                       what="the heresy reported")  # fmt: skip
        assert reported["ready"] == [bead] and "nux" in reported["idle"]
        assert reported["action"].startswith("reported")
        assert town.bead(bead)["status"] == "open"
    toml = town.root / "town.toml"
    toml.write_text(toml.read_text().replace("auto_dispatch = false", "auto_dispatch = true"))
    with foreground_daemon(town):
        eventually(lambda: findings(town, "dispatch", action="slung", bead=bead), what="slung")
    slung = [e for e in town.events() if e["op"] == "sling" and e["bead"] == bead]
    assert slung[0]["actor"] == "deacon" and slung[0]["data"]["agent"] == "demo/polecats/nux"


def test_two_daemons_at_once_one_runs_and_the_other_says_why(rig_town: TownRunner) -> None:
    town = rig_town
    command = [sys.executable, "-m", "gastown_tui.cli.gt_main", "daemon", "run"]
    first, second = (subprocess.Popen(command, cwd=town.root, env=town.env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                     for _ in range(2))  # fmt: skip
    try:
        eventually(lambda: first.poll() is not None or second.poll() is not None,
                   what="one daemon to give up")  # fmt: skip
        loser = first if first.poll() is not None else second
        winner = second if loser is first else first
        assert loser.returncode == 1
        assert b"another daemon is already running for this town" in loser.stderr.read()
        assert winner.poll() is None
        # The one daemon and the Refinery take two beads to main, each exactly once.
        beads = [create_bead(town, f"Once only {n}") for n in range(2)]
        for bead in beads:
            town.gt("sling", bead, "demo")
        for bead in beads:
            eventually(lambda b=bead: town.bead(b)["status"] == "in_progress", what="queued")
        town.gt("refinery", "run", "demo", "--once")
        merged = [e["data"]["bead"] for e in town.events() if e["op"] == "merged"]
        assert sorted(merged) == sorted(beads)
        repo = town.root / "rigs" / "demo" / "repo.git"
        subjects = town.git(repo, "log", "--format=%s", "main").splitlines()
        assert sorted(s.split(":")[0] for s in subjects if s.startswith("dm-")) == sorted(beads)
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


def test_dogs_requeue_a_stale_claim_and_close_a_stale_wisp(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Claimed by a refinery that died")
    town.gt("sling", bead, "demo")
    eventually(lambda: town.bead(bead)["status"] == "in_progress", what="the MR")
    mr = town.bead(bead)["metadata"]["mr"]
    town.bd("update", mr, "--set-metadata", "state=testing",
            "--set-metadata", "claimed_at=2020-01-01T00:00:00Z")  # fmt: skip
    old_wisp = {"id": "dm-wisp-old1", "title": "left over", "status": "open", "priority": 2,
                "issue_type": "task", "ephemeral": True, "created_at": "2020-01-01T00:00:00Z",
                "updated_at": "2020-01-01T00:00:00Z"}  # fmt: skip
    fresh = bead  # an ordinary bead is never reaped, however old
    (town.root / "old.jsonl").write_text(json.dumps(old_wisp) + "\n")
    town.bd("import", str(town.root / "old.jsonl"))
    with foreground_daemon(town):
        eventually(lambda: findings(town, "dogs", mr=mr, action="requeued"), what="requeued")
        eventually(lambda: findings(town, "dogs", wisp="dm-wisp-old1", action="closed"),
                   what="the stale wisp closed")  # fmt: skip
    assert town.bead(mr)["metadata"]["state"] == "queued"
    assert town.bead("dm-wisp-old1")["close_reason"] == "stale wisp"
    assert not findings(town, "dogs", wisp=fresh)
