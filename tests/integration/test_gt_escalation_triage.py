"""`gt escalate list|show|ack|resolve|reassign|raise`: triage through the real command line.

Each command's `--json` output and the events it logged are checked; refusals exit 1 and log
nothing. Reassigning runs real sessions (the sim worker in hang mode) on the town's own tmux.
"""

from __future__ import annotations

from typing import Any

from town_fixtures import TownRunner, eventually

NUX = "demo/polecats/nux"
FURIOSA = "demo/polecats/furiosa"


def escalate(town: TownRunner, severity: str, text: str, *args: str,
             actor: str = NUX) -> str:  # fmt: skip
    created = town.gt("escalate", "create", "-s", severity, text, *args, "--json",
                      env={"BD_ACTOR": actor}).json()  # fmt: skip
    return str(created["id"])


def triage(town: TownRunner, *args: str, actor: str = "overseer") -> Any:
    return town.gt("escalate", *args, "--json", "--actor", actor).json()


def new_events(town: TownRunner, before: int) -> list[dict[str, Any]]:
    return town.events()[before:]


def refused(town: TownRunner, *args: str, expect: str) -> None:
    """The command exits 1 with `expect` on stderr and logs nothing."""
    before = town.events()
    done = town.gt("escalate", *args, check=False)
    assert done.returncode == 1, done
    assert expect in done.stderr, done.stderr
    assert town.events() == before


def hanging_work(town: TownRunner, title: str) -> str:
    """A bead held by nux, whose session stays alive (the sim hangs)."""
    bead = str(town.bd("create", title, "--rig", "demo", "--json").json()["id"])
    town.gt("sling", bead, "demo", "--var", "sim.mode=hang")
    eventually(lambda: "dm-nux" in town.sessions(), what="nux's session")
    return bead


def test_list_puts_unacknowledged_first_then_severity_then_age(town: TownRunner) -> None:
    low = escalate(town, "LOW", "a question")
    critical = escalate(town, "CRITICAL", "the town is on fire")
    medium = escalate(town, "MEDIUM", "unclear spec")
    high = escalate(town, "HIGH", "tests hang \x1b[2J")
    high_later = escalate(town, "HIGH", "another hang")
    done = escalate(town, "LOW", "already answered")
    triage(town, "ack", critical)
    triage(town, "resolve", done, "--reason", "answered in mail")
    before = len(town.events())
    listed = triage(town, "list")
    assert [e["id"] for e in listed] == [high, high_later, medium, low, critical]
    assert all(e["issue_type"] == "escalation" and e["status"] == "open" for e in listed)
    assert listed[0]["metadata"]["severity"] == "HIGH" and listed[0]["priority"] == 1
    assert [e["id"] for e in triage(town, "list", "--unacked")] == [high, high_later, medium, low]
    assert [e["id"] for e in triage(town, "list", "--severity", "high")] == [high, high_later]
    everything = [e["id"] for e in triage(town, "list", "--all")]
    assert everything == [high, high_later, medium, low, critical, done]
    text = town.gt("escalate", "list").stdout
    assert "5 escalation(s), 4 unacknowledged" in text
    assert "\x1b" not in text and "tests hang \\x1b[2J" in text
    lines = text.splitlines()[1:]
    assert lines[0].startswith("NEW      HIGH") and lines[-1].startswith("acked    CRITICAL")
    bad = town.gt("escalate", "list", "--severity", "URGENT", check=False)
    assert bad.returncode == 2 and "must be one of" in bad.stderr
    assert len(town.events()) == before  # reading logs nothing


def test_show_prints_the_agent_issue_problem_tried_body(rig_town: TownRunner) -> None:
    town = rig_town
    work = town.bd("create", "flaky build", "--rig", "demo", "--json").json()["id"]
    escalation = escalate(town, "HIGH", "tests hang\non CI \x1b[31m", "--issue", work,
                          "--tried", "reran twice")  # fmt: skip
    shown = triage(town, "show", escalation)
    assert shown["id"] == escalation and shown["issue_type"] == "escalation"
    assert shown["metadata"]["issue"] == work and shown["metadata"]["tried"] == "reran twice"
    text = town.gt("escalate", "show", escalation).stdout
    assert f"  Agent:   {NUX}" in text and f"  Issue:   {work}" in text
    assert "  Problem: tests hang\n           on CI \\x1b[31m" in text
    assert "  Tried:   reran twice" in text and "\x1b" not in text
    refused(town, "show", "hq-nope", expect="no escalation 'hq-nope'")
    refused(town, "show", work, expect=f"{work} is a task, not an escalation")


def test_ack_records_who_and_when_once(town: TownRunner) -> None:
    escalation = escalate(town, "MEDIUM", "which branch?")
    before = len(town.events())
    acked = triage(town, "ack", escalation, "--note", "looking at it", actor="mayor")
    assert acked["id"] == escalation and acked["status"] == "open"
    metadata = acked["metadata"]
    assert metadata["acknowledged_by"] == "mayor" and metadata["ack_note"] == "looking at it"
    assert metadata["acknowledged_at"]
    logged = new_events(town, before)
    assert [e["op"] for e in logged] == ["update", "ack"]
    assert all(e["bead"] == escalation and e["actor"] == "mayor" for e in logged)
    assert logged[1]["data"] == {"escalation": escalation, "severity": "MEDIUM", "by": "mayor",
                                 "note": "looking at it", "issue": None}  # fmt: skip
    assert logged[1]["ts"] == metadata["acknowledged_at"]
    # Acknowledging again succeeds, keeps the first acknowledgement and logs nothing.
    after = town.events()
    again = triage(town, "ack", escalation, actor="overseer")
    assert again["metadata"]["acknowledged_by"] == "mayor" and town.events() == after
    text = town.gt("escalate", "ack", escalation).stdout
    assert "already acknowledged by mayor" in text
    refused(town, "ack", "hq-missing", expect="no escalation 'hq-missing'")


def test_resolve_closes_with_the_reason_once(town: TownRunner) -> None:
    escalation = escalate(town, "HIGH", "deploy or not?")
    before = len(town.events())
    resolved = triage(town, "resolve", escalation, "--reason", "ship it")
    assert resolved["status"] == "closed" and resolved["close_reason"] == "ship it"
    assert resolved["closed_at"] and resolved["metadata"]["resolved_by"] == "overseer"
    logged = new_events(town, before)
    assert [e["op"] for e in logged] == ["close", "resolve"]
    assert logged[1]["bead"] == escalation
    assert logged[1]["data"] == {"escalation": escalation, "severity": "HIGH", "by": "overseer",
                                 "reason": "ship it", "issue": None}  # fmt: skip
    refused(town, "resolve", escalation, "--reason", "again", expect="already resolved (ship it)")
    refused(town, "ack", escalation, expect="already resolved")
    refused(town, "raise", escalation, expect="already resolved")
    other = escalate(town, "LOW", "blank reason")
    refused(town, "resolve", other, "--reason", "  ", expect="needs a reason")
    assert triage(town, "list")[0]["id"] == other


def test_reply_mails_the_asking_agent_and_says_when_the_nudge_cannot_arrive(
    rig_town: TownRunner,
) -> None:
    town = rig_town
    escalation = escalate(town, "MEDIUM", "which branch?")
    before = len(town.events())
    replied = triage(town, "reply", escalation, "use main; $(rm -rf /) is just text")
    assert replied["to"] == NUX and replied["nudged"] is False, "nux has no session"
    assert replied["nudge_problem"], "and says why"
    (mail,) = [m for m in town.bd("list", "-t", "message", "--json").json()
               if m["id"] == replied["message"]]  # fmt: skip
    assert mail["assignee"] == NUX and "$(rm -rf /) is just text" in mail["description"]
    ops = [e["op"] for e in new_events(town, before)]
    assert ops[-1] == "reply" and "create" in ops
    done = town.gt("escalate", "reply", escalation, "second answer")
    assert f"replied to {NUX}" in done.stdout and "nudge did not arrive" in done.stderr
    refused(town, "reply", escalation, "  ", expect="needs some text")
    refused(town, "reply", "hq-missing", "x", expect="no escalation 'hq-missing'")


def test_raise_goes_one_severity_up_and_routes_again(town: TownRunner) -> None:
    escalation = escalate(town, "MEDIUM", "nobody answers")
    before = len(town.events())
    first = triage(town, "raise", escalation)
    assert first["priority"] == 1
    metadata = first["metadata"]
    assert metadata["severity"] == "HIGH" and metadata["original_severity"] == "MEDIUM"
    assert metadata["reescalations"] == 1 and metadata["raised_by"] == "overseer"
    logged = new_events(town, before)
    assert [e["op"] for e in logged] == ["update", "raise", "create", "create"]
    assert len({e["batch"]["id"] for e in logged}) == 1
    data = logged[1]["data"]
    assert {k: data[k] for k in ("escalation", "severity", "by", "from")} == {
        "escalation": escalation, "severity": "HIGH", "by": "overseer", "from": "MEDIUM",
    }  # fmt: skip
    assert data["automatic"] is False and metadata["raised_at"] == logged[1]["ts"]
    mail = [e["data"]["record"] for e in logged[2:]]
    assert [m["assignee"] for m in mail] == ["mayor", "overseer"]  # HIGH's route, no new bead
    assert all(f"thread:{escalation}" in m["labels"] and m["metadata"]["severity"] == "HIGH"
               for m in mail)  # fmt: skip
    assert mail[0]["title"].startswith("HELP [HIGH] (was MEDIUM")
    assert [e["id"] for e in triage(town, "list", "--all")] == [escalation]
    log = town.root / ".runtime" / "escalations.log"
    assert not log.exists()
    text = town.gt("escalate", "raise", escalation).stdout
    assert f"raised {escalation} to CRITICAL (P0), 2 time(s) since MEDIUM" in text
    assert f"CRITICAL {escalation} by overseer: raised from HIGH: nobody answers" in log.read_text(
        encoding="utf-8")  # fmt: skip
    refused(town, "raise", escalation, expect="already CRITICAL, the highest severity")
    refused(town, "raise", "hq-nope", expect="no escalation 'hq-nope'")


def test_reassign_gives_the_issue_to_another_polecat(rig_town: TownRunner) -> None:
    town = rig_town
    bead = hanging_work(town, "Stuck work")
    escalation = escalate(town, "MEDIUM", f"{bead}: stuck", "--issue", bead)
    before = len(town.events())
    done = triage(town, "reassign", escalation, "demo/furiosa")
    assert done["sling"]["bead"] == bead and done["sling"]["agent"] == FURIOSA
    assert done["sling"]["session"] == "dm-furiosa" and done["sling"]["spawned"] is True
    metadata = done["escalation"]["metadata"]
    assert metadata["reassigned_to"] == FURIOSA and metadata["acknowledged_by"] == "overseer"
    work = town.bead(bead)
    assert work["status"] == "hooked" and work["assignee"] == FURIOSA
    assert work["metadata"]["vars"] == {"sim.mode": "hang"}  # the worker's behaviour goes along
    assert "dm-nux" not in town.sessions()  # the old sling was forced
    eventually(lambda: "dm-furiosa" in town.sessions(), what="furiosa's session")
    logged = new_events(town, before)
    ended = [e for e in logged if e["op"] == "session_end"]
    assert [(e["data"]["agent"], e["data"]["reason"]) for e in ended] == [
        (NUX, "re-slung with --force")]  # fmt: skip
    (reassign,) = [e for e in logged if e["op"] == "reassign"]
    assert reassign["bead"] == escalation and reassign["actor"] == "overseer"
    assert reassign["data"] == {"escalation": escalation, "severity": "MEDIUM", "by": "overseer",
                                "issue": bead, "to": FURIOSA, "from": NUX}  # fmt: skip
    assert any(e["op"] == "sling" and e["bead"] == bead for e in logged)


def test_reassign_frees_a_bead_the_supervision_chain_blocked(rig_town: TownRunner) -> None:
    town = rig_town
    bead = hanging_work(town, "Blocked for a human")
    # What the Deacon does past the respawn limit: session gone, bead blocked and labelled.
    town.tmux("kill-session", "-t", "dm-nux")
    town.bd("update", bead, "--status", "blocked", "--add-label", "gt:needs-human",
            "--set-metadata", "respawns=3",
            "--set-metadata", "blocked_reason=respawn limit")  # fmt: skip
    escalation = escalate(town, "HIGH", f"{bead} failed 3 respawns", "--issue", bead,
                          actor="deacon")  # fmt: skip
    done = triage(town, "reassign", escalation, "demo/furiosa")
    assert done["sling"]["agent"] == FURIOSA
    work = town.bead(bead)
    assert work["status"] == "hooked" and work["assignee"] == FURIOSA
    assert "gt:needs-human" not in work.get("labels", [])
    assert "respawns" not in work["metadata"] and "blocked_reason" not in work["metadata"]
    eventually(lambda: "dm-furiosa" in town.sessions(), what="furiosa's session")
    assert [e["data"]["label"] for e in town.events()
            if e["op"] == "label_remove" and e["bead"] == bead] == ["gt:needs-human"]  # fmt: skip


def test_reassign_refusals_log_nothing(rig_town: TownRunner) -> None:
    town = rig_town
    about_nothing = escalate(town, "LOW", "general unease")
    refused(town, "reassign", about_nothing, "demo", expect="no issue")
    work = town.bd("create", "w", "--rig", "demo", "--json").json()["id"]
    resolved = escalate(town, "LOW", "decided", "--issue", work)
    triage(town, "resolve", resolved, "--reason", "done")
    refused(town, "reassign", resolved, "demo", expect="already resolved")
    open_one = escalate(town, "LOW", "elsewhere", "--issue", work)
    refused(town, "reassign", open_one, "nowhere", expect="nowhere")
    refused(town, "reassign", "hq-nope", "demo", expect="no escalation 'hq-nope'")
