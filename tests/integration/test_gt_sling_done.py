"""The flow of DESIGN §6 with the sim worker: sling → session → molecule → `gt done` → queued MR.

Real tmux (a server per test), real git, the real `gt`/`bd` command lines.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from town_fixtures import TownRunner, create_bead, eventually, messages


def ops(town: TownRunner, op: str, bead: str | None = None) -> list[dict[str, Any]]:
    return [e for e in town.events() if e["op"] == op and (bead is None or e["bead"] == bead)]


def landed_in_queue(town: TownRunner, bead: str) -> Callable[[], dict[str, Any] | None]:
    def check() -> dict[str, Any] | None:
        record = town.bead(bead)
        return record if record["status"] == "in_progress" and record.get("assignee") == (
            "demo/refinery") else None  # fmt: skip

    return check


def merge_requests(town: TownRunner, bead: str) -> list[dict[str, Any]]:
    listed = town.bd("list", "--all", "-t", "merge-request", "--json").json()
    return [mr for mr in listed if mr["metadata"]["source_issue"] == bead]


def test_a_slung_bead_walks_its_molecule_and_lands_in_the_merge_queue(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Add a greeting")
    slung = town.gt("sling", bead, "demo", "--runtime", "sim", "--json").json()
    assert slung["bead"] == bead and slung["agent"] == "demo/polecats/nux"
    assert slung["spawned"] is True and slung["queued"] is False and slung["session"] == "dm-nux"
    assert slung["formula"] == "mol-polecat-work" and slung["attempt"] == 1
    sling_event = ops(town, "sling", bead)[0]
    assert sling_event["data"]["agent"] == "demo/polecats/nux"
    assert sling_event["data"]["molecule"] == slung["molecule"]
    assert sling_event["data"]["runtime"] == "sim"

    record = eventually(landed_in_queue(town, bead), what=f"{bead} handed to the refinery")
    metadata = record["metadata"]
    # The molecule was walked in needs order, one step at a time, by the polecat itself.
    steps = town.bd("mol", "current", slung["molecule"], "--json").json()["steps"]
    assert [s["state"] for s in steps] == ["done"] * 6
    order = {s["bead"]: i for i, s in enumerate(steps)}
    closes = [e for e in ops(town, "close") if e["bead"] in order]
    assert [order[e["bead"]] for e in closes] == list(range(6))
    assert {e["actor"] for e in closes[:5]} == {"demo/polecats/nux"}
    assert town.bead(slung["molecule"])["status"] == "closed"
    # One commit on the polecat branch in repo.git, ahead of main.
    repo = town.root / "rigs" / "demo" / "repo.git"
    branch = f"polecat/nux/{bead}"
    assert metadata["branch"] == branch
    assert town.git(repo, "rev-list", "--count", f"main..{branch}") == "1"
    assert town.git(repo, "show", "--name-only", "--format=", branch) == f"sim/{bead}.txt"
    # A queued merge request, POLECAT_DONE to the witness, done and mq_submit events.
    (mr,) = merge_requests(town, bead)
    assert mr["metadata"]["state"] == "queued" and mr["id"] == metadata["mr"]
    assert mr["metadata"]["branch"] == branch and mr["metadata"]["worker"] == "demo/polecats/nux"
    (done_mail,) = messages(town, "demo/witness", "POLECAT_DONE")
    assert done_mail["metadata"]["exit"] == "MERGED" and done_mail["metadata"]["mr"] == mr["id"]
    (done_event,) = ops(town, "done", bead)
    assert done_event["data"]["mr"] == mr["id"] and done_event["actor"] == "demo/polecats/nux"
    assert [e["data"]["mr"] for e in ops(town, "mq_submit")] == [mr["id"]]
    # The worktree and the session are gone.
    eventually(lambda: "dm-nux" not in town.sessions(), what="the session to end")
    assert not (town.root / "rigs" / "demo" / "polecats" / "nux").exists()
    assert [e["data"]["reason"] for e in ops(town, "session_end", bead)] == ["done"]


def test_a_second_bead_waits_on_the_hook_and_starts_in_a_fresh_session(
    rig_town: TownRunner,
) -> None:
    town = rig_town
    first, second = create_bead(town, "First"), create_bead(town, "Second")
    town.gt("sling", first, "demo", "--var", "sim.step_delay=0.6")
    queued = town.gt("sling", second, "demo/nux", "--json").json()
    assert queued["queued"] is True and queued["session"] is None and queued["position"] == 1
    hook = town.gt("hook", "--agent", "demo/polecats/nux", "--json").json()
    assert [item["id"] for item in hook] == [first, second]
    assert ops(town, "session_start", second) == []
    eventually(landed_in_queue(town, first), what="the first bead to land")
    eventually(landed_in_queue(town, second), what="the second bead to land")
    starts = [e for e in ops(town, "session_start") if e["bead"] in (first, second)]
    assert [e["bead"] for e in starts] == [first, second]
    first_done = ops(town, "done", first)[0]
    assert starts[1]["ts"] > first_done["ts"], "the second session starts after the first's done"
    assert len(merge_requests(town, first)) == len(merge_requests(town, second)) == 1


def test_done_killed_after_its_push_and_run_again_files_one_request(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Crash-safe done")
    town.gt("sling", bead, "demo", "--var", "sim.mode=hang")
    worktree = town.root / "rigs" / "demo" / "polecats" / "nux"
    eventually(lambda: "hanging" in town.tmux("capture-pane", "-p", "-t", "dm-nux").stdout,
               what="the sim to settle")  # fmt: skip
    (worktree / "work.txt").write_text("done by hand\n")  # left uncommitted: done commits it
    agent = ["--agent", "demo/polecats/nux"]
    crashed = town.gt(
        "done", *agent, check=False, cwd=worktree, env={"GT_FAULT": "done.after_push"}
    )
    assert crashed.returncode == -9
    assert merge_requests(town, bead) == [] and messages(town, "demo/witness", "POLECAT_DONE") == []
    finished = town.gt("done", *agent, "--json", cwd=worktree).json()
    assert finished["bead"] == bead
    # Killed again right after the request is filed: the third run only cleans up.
    assert (
        len(merge_requests(town, bead)) == 1
        and len(messages(town, "demo/witness", "POLECAT_DONE")) == 1
    )
    assert not worktree.exists()
    assert town.git(town.root / "rigs/demo/repo.git", "show", "--format=%s", "--stat",
                    f"polecat/nux/{bead}").startswith(bead)  # fmt: skip


def test_done_killed_after_filing_is_finished_by_a_second_run(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Crash after filing")
    town.gt("sling", bead, "demo", "--var", "sim.mode=hang")
    worktree = town.root / "rigs" / "demo" / "polecats" / "nux"
    eventually(worktree.exists, what="the worktree")
    (worktree / "work.txt").write_text("work\n")
    agent = ["--agent", "demo/polecats/nux"]
    crashed = town.gt("done", *agent, check=False, env={"GT_FAULT": "done.after_mr"})
    assert crashed.returncode == -9 and worktree.exists()
    town.gt("done", *agent)
    assert (
        len(merge_requests(town, bead)) == 1
        and len(messages(town, "demo/witness", "POLECAT_DONE")) == 1
    )
    assert not worktree.exists() and "dm-nux" not in town.sessions()


def test_done_refuses_a_branch_with_no_commits(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Nothing done yet")
    town.gt("sling", bead, "demo", "--var", "sim.mode=hang")
    before = len(town.events())
    refused = town.gt("done", "--agent", "demo/polecats/nux", check=False)
    assert refused.returncode == 1 and "no commits ahead of main" in refused.stderr
    assert len(town.events()) == before and town.bead(bead)["status"] == "hooked"


def test_slinging_a_bead_hooked_by_a_live_polecat_is_refused_unless_forced(
    rig_town: TownRunner,
) -> None:
    town = rig_town
    bead = create_bead(town, "Contested")
    town.gt("sling", bead, "demo", "--var", "sim.mode=hang")
    eventually(lambda: "dm-nux" in town.sessions(), what="the first session")
    before = len(town.events())
    refused = town.gt("sling", bead, "demo", check=False)
    assert refused.returncode == 1
    assert (
        "already on the hook of demo/polecats/nux" in refused.stderr and "--force" in refused.stderr
    )
    assert len(town.events()) == before
    forced = town.gt("sling", bead, "demo", "--force", "--var", "sim.mode=hang", "--json").json()
    assert forced["attempt"] == 2 and forced["session"] == "dm-nux"
    ended = ops(town, "session_end", bead)
    assert [e["data"]["reason"] for e in ended] == ["re-slung with --force"]
    starts = ops(town, "session_start", bead)
    assert len(starts) == 2 and starts[1]["data"]["branch"] == f"polecat/nux/{bead}-r2"
    assert ended[0]["ts"] < starts[1]["ts"]
    assert town.bead(bead)["metadata"]["branch"] == f"polecat/nux/{bead}-r2"


def test_unsling_takes_the_bead_off_and_stops_its_session(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Changed my mind")
    town.gt("sling", bead, "demo", "--var", "sim.mode=hang")
    eventually(lambda: "dm-nux" in town.sessions(), what="the session")
    result = town.gt("unsling", bead, "--json").json()
    assert result["agent"] == "demo/polecats/nux" and result["next"] is None
    record = town.bead(bead)
    assert record["status"] == "open" and "assignee" not in record
    assert [e["data"]["agent"] for e in ops(town, "unhook", bead)] == ["demo/polecats/nux"]
    assert "dm-nux" not in town.sessions()
    assert town.gt("unsling", bead, check=False).returncode == 1


def test_prime_gives_identity_hook_checklist_gates_mail_and_history(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Prime me")
    town.bd("comments", "add", bead, "Handoff: the parser half is done")
    town.gt("sling", bead, "demo", "--var", "sim.mode=hang")
    context = town.gt("prime", "--agent", "demo/polecats/nux", "--json").json()
    assert context["agent"] == "demo/polecats/nux" and context["role"] == "polecat"
    assert context["current"]["id"] == bead and context["current"]["attempt"] == 1
    assert [s["step"] for s in context["molecule"]["steps"]][:2] == ["load-context", "understand"]
    assert context["gates"] == [{"name": "test", "command": "python3 -m pytest -q"}]
    assert [h["text"] for h in context["handoff"]] == ["Handoff: the parser half is done"]
    assert [h["op"] for h in context["history"]][:2] == ["sling", "session_start"]
    text = town.gt("prime", "--agent", "demo/polecats/nux").stdout
    assert "Prime me" in text and "gt done" in text and "python3 -m pytest -q" in text
    assert "## Handoff notes" in text and "## Earlier on this bead" in text


def test_the_session_gets_its_environment_from_new_session(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Env check")
    town.gt("sling", bead, "demo", "--var", "sim.mode=hang")
    eventually(lambda: "dm-nux" in town.sessions(), what="the session")
    shown = town.tmux("show-environment", "-t", "dm-nux").stdout.splitlines()
    environment = dict(line.split("=", 1) for line in shown if "=" in line)
    assert environment["BD_ACTOR"] == "demo/polecats/nux"
    assert environment["GT_ROLE"] == "polecat" and environment["GT_RIG"] == "demo"
    assert environment["BEADS_DIR"] == str(town.root / ".beads")
    assert environment["GT_TOWN"] == str(town.root) and environment["GT_BEAD"] == bead
    # The user's PATH with one directory in front: gt and bd, nothing else (DESIGN §5).
    links = town.root / ".runtime" / "bin"
    assert environment["PATH"] == f"{links}:{town.env['PATH']}"
    assert sorted(p.name for p in links.iterdir()) == ["bd", "gt"]
    assert not list((town.root / "rigs").rglob("*.env"))


def test_claude_runtime_builds_its_command_line_from_rig_toml(rig_town: TownRunner) -> None:
    from gastown_tui.core.rig_settings import parse_rig_settings
    from gastown_tui.town.work.agent_runtimes import FIRST_PROMPT, session_command

    text = (rig_town.root / "rigs" / "demo" / "rig.toml").read_text()
    shipped = 'claude_command = ["claude", "--dangerously-skip-permissions", "--model", '
    custom = 'claude_command = ["claude", "--model", "{model}", "--", "{prompt}"]'
    text = text.replace(shipped + '"{model}", "{prompt}"]', custom)
    settings = parse_rig_settings(text, "rig.toml")
    assert session_command(settings, "claude", "claude-opus-4") == [
        "claude", "--model", "claude-opus-4", "--", FIRST_PROMPT]  # fmt: skip
    default = parse_rig_settings((rig_town.root / "rigs/demo/rig.toml").read_text(), "rig.toml")
    assert session_command(default, "claude", "m")[0] == "claude"
    assert json.dumps(session_command(default, "claude", "m")).count("{") == 0


def test_sling_with_another_formula_and_vars(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Review this")
    slung = town.gt("sling", bead, "demo", "--formula", "shiny", "--var", "sim.mode=hang",
                    "--var", "review_rounds=1", "--json").json()  # fmt: skip
    assert slung["formula"] == "shiny"
    root = town.bead(slung["molecule"])
    assert root["metadata"]["formula"] == "shiny" and root["metadata"]["vars"]["issue"] == bead
    assert root["metadata"]["vars"]["review_rounds"] == "1"  # formula vars reach the cook
    event = ops(town, "sling", bead)[0]
    assert event["data"]["formula"] == "shiny"
    assert event["data"]["vars"] == {"sim.mode": "hang", "review_rounds": "1"}
    assert town.bead(bead)["metadata"]["vars"] == {"sim.mode": "hang", "review_rounds": "1"}
    malformed = town.gt("sling", create_bead(town, "Other"), "demo", "--var", "oops", check=False)
    assert malformed.returncode == 2 and "must be NAME=VALUE" in malformed.stderr
    missing = town.gt(
        "sling", create_bead(town, "Other"), "demo", "--formula", "no-such", check=False
    )
    assert missing.returncode == 1 and "no-such" in missing.stderr


def test_a_crew_members_done_files_a_request_and_keeps_the_worktree(rig_town: TownRunner) -> None:
    town = rig_town
    town.gt("crew", "add", "alice", "demo")
    worktree = town.root / "rigs" / "demo" / "crew" / "alice"
    bead = create_bead(town, "Human work")
    (worktree / "notes.md").write_text("by hand\n")
    crew_env = {"BD_ACTOR": "demo/crew/alice"}
    result = town.gt("done", "--issue", bead, "--json", cwd=worktree, env=crew_env).json()
    assert result["agent"] == "demo/crew/alice" and result["branch"] == "crew/alice"
    (mr,) = merge_requests(town, bead)
    assert mr["id"] == result["mr"] and mr["metadata"]["worker"] == "demo/crew/alice"
    assert worktree.exists() and (worktree / "notes.md").exists()
    assert town.bead(bead)["assignee"] == "demo/refinery"
    assert messages(town, "demo/witness", "POLECAT_DONE") == []
    again = town.gt("done", "--issue", bead, "--json", cwd=worktree, env=crew_env).json()
    assert again["mr"] == result["mr"] and len(merge_requests(town, bead)) == 1


def test_unsling_closes_the_molecule_and_crew_cannot_be_slung_to(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Taken back")
    slung = town.gt("sling", bead, "demo", "--var", "sim.mode=hang", "--json").json()
    town.gt("unsling", bead)
    steps = town.bd("mol", "current", slung["molecule"], "--json").json()["steps"]
    assert {s["state"] for s in steps} == {"done"}
    root = town.bead(slung["molecule"])
    assert root["status"] == "closed" and root["close_reason"] == "unslung"
    town.gt("crew", "add", "alice", "demo")
    before = len(town.events())
    refused = town.gt("sling", bead, "demo/alice", check=False)
    assert refused.returncode == 1 and "is crew, not a polecat" in refused.stderr
    assert len(town.events()) == before and "dm-alice" not in town.sessions()


def test_the_claude_runtime_starts_its_command_line_or_is_refused_when_missing(
    rig_town: TownRunner, tmp_path: Path
) -> None:
    town = rig_town
    bead = create_bead(town, "Give it to Claude")
    before = len(town.events())
    missing = town.gt("sling", bead, "demo", "--runtime", "claude", check=False,
                      env={"PATH": "/usr/bin:/bin"})  # fmt: skip
    assert missing.returncode == 1 and "runs `claude`, which is not on PATH" in missing.stderr
    assert len(town.events()) == before and town.bead(bead)["status"] == "open"
    # A stand-in `claude` on PATH records the argv the session started it with.
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    argv_file = tmp_path / "claude-argv"
    fake = bin_dir / "claude"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {argv_file}\nsleep 60\n")
    fake.chmod(0o755)
    path = f"{bin_dir}:{town.env['PATH']}"
    town.gt("sling", bead, "demo", "--runtime", "claude", env={"PATH": path})
    eventually(argv_file.exists, what="the fake claude to start")
    from gastown_tui.town.work.agent_runtimes import FIRST_PROMPT

    argv = eventually(lambda: argv_file.read_text().splitlines(), what="its argv")
    assert argv == ["--dangerously-skip-permissions", "--model", "claude-sonnet-5-5",
                    *FIRST_PROMPT.splitlines()]  # fmt: skip
    assert town.bead(bead)["metadata"]["runtime"] == "claude"


def test_sling_picks_the_polecat_resting_longest(rig_town: TownRunner) -> None:
    town = rig_town
    town.gt("polecat", "spawn", "demo", "--name", "nux")
    town.gt("polecat", "spawn", "demo", "--name", "furiosa")
    first = create_bead(town, "Keeps nux busy for a moment")
    town.gt("sling", first, "demo/nux")
    eventually(landed_in_queue(town, first), what="nux's work handed on")
    eventually(lambda: "dm-nux" not in town.sessions(), what="nux resting again")
    # Both rest now; furiosa has rested since it was made, nux only since just now.
    second = create_bead(town, "For whoever rested longest")
    picked = town.gt("sling", second, "demo", "--var", "sim.mode=hang", "--json").json()
    assert picked["polecat"] == "furiosa" and picked["spawned"] is False
