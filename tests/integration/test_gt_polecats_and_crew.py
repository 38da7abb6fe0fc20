"""`gt polecat spawn|list|nuke` and `gt crew add` through the real command line (DESIGN §4, §5).

A polecat is a persistent identity (an agent bead); its state is derived from its hook and its
tmux pane. Nuking ends the session and worktree but keeps the identity and its history.
"""

from __future__ import annotations

from typing import Any

from town_fixtures import TownRunner, create_bead, eventually

from gastown_tui.core.name_pool import THEMES


def ops(town: TownRunner, op: str, bead: str | None = None) -> list[dict[str, Any]]:
    return [e for e in town.events() if e["op"] == op and (bead is None or e["bead"] == bead)]


def rows(town: TownRunner) -> dict[str, dict[str, Any]]:
    """`gt polecat list --json` by name; the default profile, so a hanging sim is not stalled."""
    listed = town.gt("polecat", "list", "--json", env={"GT_PROFILE": "default"}).json()
    return {row["name"]: row for row in listed}


def test_spawn_takes_names_from_the_pool_unique_per_rig(rig_town: TownRunner) -> None:
    town = rig_town
    pool = THEMES["mad-max"]
    spawned = [town.gt("polecat", "spawn", "demo", "--json").json() for _ in range(2)]
    assert [s["metadata"]["name"] for s in spawned] == list(pool[:2])
    first = spawned[0]
    assert first["id"] == f"dm-agent-{pool[0]}" and first["issue_type"] == "agent"
    assert first["metadata"] == {"role": "polecat", "rig": "demo", "name": pool[0],
                                 "address": f"demo/polecats/{pool[0]}", "runtime": "sim",
                                 "model": first["metadata"]["model"]}  # fmt: skip
    assert [e["bead"] for e in ops(town, "create") if e["bead"].startswith("dm-agent-")] == [
        s["id"] for s in spawned]  # fmt: skip

    named = town.gt("polecat", "spawn", "demo", "--name", "zed", "--runtime", "claude", "--json")
    assert named.json()["metadata"]["runtime"] == "claude"
    assert town.gt("polecat", "spawn", "demo", "--json").json()["metadata"]["name"] == pool[2]

    before = len(town.events())
    taken = town.gt("polecat", "spawn", "demo", "--name", pool[0], check=False)
    assert taken.returncode == 1 and f"already has an agent named '{pool[0]}'" in taken.stderr
    nowhere = town.gt("polecat", "spawn", "nowhere", check=False)
    assert nowhere.returncode == 1 and "no rig 'nowhere'" in nowhere.stderr
    assert len(town.events()) == before

    listed = rows(town)
    assert set(listed) == {*pool[:3], "zed"}
    assert {row["state"] for row in listed.values()} == {"resting"}
    assert all(row["hook"] == [] and row["session"] is None for row in listed.values())
    # Nothing runs until there is work: spawning makes no session and no worktree.
    assert town.sessions() == [] and not (town.root / "rigs/demo/polecats").exists()


def test_list_shows_working_spawning_and_zombie_polecats_and_nuke_releases_the_hook(
    rig_town: TownRunner,
) -> None:
    town = rig_town
    working, waiting, doomed = (
        create_bead(town, "Keeps going"),
        create_bead(town, "Waits"),
        create_bead(town, "Dies"),
    )
    town.gt("sling", working, "demo/nux", "--var", "sim.mode=hang")
    town.gt("sling", doomed, "demo/slit", "--var", "sim.mode=hang")
    town.gt("polecat", "spawn", "demo", "--name", "furiosa")
    # Hooked by hand (no session started for it): the polecat is about to spawn.
    town.bd("update", waiting, "--status", "hooked", "--assignee", "demo/polecats/furiosa")
    eventually(lambda: {"dm-nux", "dm-slit"} <= set(town.sessions()), what="two sessions")
    town.tmux("kill-session", "-t", "=dm-slit")

    listed = eventually(lambda: (r := rows(town))["nux"]["state"] == "working" and r,
                        what="nux working")  # fmt: skip
    assert listed["nux"]["hook"] == [working] and listed["nux"]["current"] == working
    assert listed["nux"]["session"] == "dm-nux"
    assert listed["furiosa"]["state"] == "spawning"
    assert listed["furiosa"]["hook"] == [waiting] and listed["furiosa"]["session"] is None
    assert listed["slit"]["state"] == "zombie"
    assert listed["slit"]["hook"] == [doomed] and listed["slit"]["session"] is None
    in_demo = town.gt("polecat", "list", "--rig", "demo", "--json").json()
    assert sorted(r["address"] for r in in_demo) == [
        "demo/polecats/furiosa", "demo/polecats/nux", "demo/polecats/slit"]  # fmt: skip
    text = town.gt("polecat", "list", env={"GT_PROFILE": "default"}).stdout
    assert "demo/polecats/nux" in text and "working" in text and "zombie" in text

    worktree = town.root / "rigs" / "demo" / "polecats" / "nux"
    assert worktree.is_dir()
    before = len(town.events())
    nuked = town.gt("polecat", "nuke", "demo/nux", "--json").json()
    assert nuked["polecat"] == "demo/polecats/nux" and nuked["released"] == [working]
    assert nuked["did"] == ["stopped session dm-nux", f"removed worktree {worktree}"]
    assert "dm-nux" not in town.sessions() and not worktree.exists()
    assert "dm-slit" not in town.sessions()
    new = town.events()[before:]
    about_work = [e for e in new if e["bead"] == working]
    assert [e["op"] for e in about_work] == ["update", "session_end", "unhook"]
    assert about_work[0]["data"]["metadata"] == {"session": None}
    assert about_work[1]["data"]["reason"] == "nuked"
    assert about_work[2]["data"]["agent"] == "demo/polecats/nux"
    # What was left of its molecule is closed, so no step stays claimed by nobody.
    closes = [e for e in new if e["op"] == "close"]
    assert closes and {e["data"]["set"]["close_reason"] for e in closes} == {"polecat nuked"}
    assert len(closes) + len(about_work) == len(new)
    record = town.bead(working)
    assert record["status"] == "open" and "assignee" not in record
    assert "session" not in record["metadata"]
    identity = town.bead("dm-agent-nux")
    assert identity["status"] == "open" and identity["metadata"]["address"] == "demo/polecats/nux"
    assert rows(town)["nux"]["state"] == "resting"
    # Its history stays on the bead; the work can be slung again.
    assert len(ops(town, "session_start", working)) == 1
    again = town.gt("sling", working, "demo", "--var", "sim.mode=hang", "--json").json()
    assert again["polecat"] == "nux" and again["spawned"] is False

    # A zombie's worktree goes too; a nuke of an unknown polecat is refused.
    zombie = town.gt("polecat", "nuke", "demo/polecats/slit", "--json").json()
    assert zombie["released"] == [doomed]
    assert [e["data"]["reason"] for e in ops(town, "session_end", doomed)] == ["nuked"]
    before = len(town.events())
    for bad in ("demo/nobody", "demo/crew/x/y", "nowhere/nux"):
        refusal = town.gt("polecat", "nuke", bad, check=False)
        assert refusal.returncode == 1 and "Traceback" not in refusal.stderr, refusal.stderr
    assert len(town.events()) == before


def test_crew_add_makes_a_worktree_on_its_own_branch_from_the_default_branch(
    rig_town: TownRunner,
) -> None:
    town = rig_town
    added = town.gt("crew", "add", "alice", "demo", "--json").json()
    worktree = town.root / "rigs" / "demo" / "crew" / "alice"
    assert added == {"crew": "demo/crew/alice", "worktree": str(worktree), "branch": "crew/alice"}
    assert town.git(worktree, "rev-parse", "--abbrev-ref", "HEAD") == "crew/alice"
    repo = town.root / "rigs" / "demo" / "repo.git"
    assert town.git(worktree, "rev-parse", "HEAD") == town.git(repo, "rev-parse", "main")
    assert (worktree / "test_calc.py").is_file()
    identity = town.bead("dm-agent-alice")
    assert identity["issue_type"] == "agent"
    assert identity["metadata"]["role"] == "crew"
    assert identity["metadata"]["address"] == "demo/crew/alice"
    (created,) = ops(town, "create", "dm-agent-alice")
    assert created["data"]["record"]["metadata"]["role"] == "crew"
    # Crew are not polecats, and their names are taken in the rig.
    assert town.gt("polecat", "list", "--json").json() == []
    before = len(town.events())
    for args in (["crew", "add", "alice", "demo"], ["polecat", "spawn", "demo", "--name", "alice"]):
        refusal = town.gt(*args, check=False)
        assert refusal.returncode == 1 and "already has an agent named 'alice'" in refusal.stderr
    # A crew member is not a polecat: nuke and cycle leave the worktree alone.
    for verb in ("nuke", "cycle"):
        refusal = town.gt("polecat", verb, "demo/alice", check=False)
        assert refusal.returncode == 1 and "demo/alice is crew, not a polecat" in refusal.stderr
    assert len(town.events()) == before and (worktree / "test_calc.py").is_file()


def test_cycle_gives_the_running_bead_a_fresh_session(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Restart me")
    town.gt("sling", bead, "demo", "--var", "sim.mode=hang")
    eventually(lambda: "dm-nux" in town.sessions(), what="the session")
    first_pid = town.tmux("display-message", "-p", "-t", "=dm-nux:", "#{pane_pid}").stdout
    cycled = town.gt("polecat", "cycle", "demo/nux", "--json").json()
    assert cycled == {"polecat": "demo/polecats/nux", "ended": True, "started": bead,
                      "session": "dm-nux"}  # fmt: skip
    assert [e["data"]["reason"] for e in ops(town, "session_end", bead)] == ["cycled"]
    starts = ops(town, "session_start", bead)
    assert len(starts) == 2 and starts[0]["data"]["branch"] == starts[1]["data"]["branch"]
    second_pid = town.tmux("display-message", "-p", "-t", "=dm-nux:", "#{pane_pid}").stdout
    assert second_pid != first_pid
    assert eventually(lambda: rows(town)["nux"]["state"] == "working", what="working again")
    # With an empty hook there is nothing to start.
    town.gt("unsling", bead)
    assert town.gt("polecat", "cycle", "demo/nux", "--json").json()["started"] is None
