"""`gt mq list|status|retry|reject` and `gt refinery run` through the real command line, with sim
workers filing real merge requests (DESIGN §4 merge request states, §6 the Refinery).

Every command's --json output is checked together with the events it logged; a refusal exits 1
with its reason on stderr and logs nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from town_fixtures import CliResult, TownRunner, create_bead, eventually, make_source_repo


def queued_mr(town: TownRunner, bead: str, rig: str = "demo") -> str:
    """Wait until `bead` was handed to the refinery by its worker's `gt done`; its MR id."""

    def handed_over() -> str:
        record = town.bead(bead)
        if record["status"] == "in_progress" and record.get("assignee") == f"{rig}/refinery":
            return str(record["metadata"]["mr"])
        return ""

    return eventually(handed_over, what=f"{bead} in the merge queue", timeout=120)


def sling_to_queue(town: TownRunner, bead: str, *extra: str, rig: str = "demo") -> str:
    town.gt("sling", bead, rig, *extra)
    return queued_mr(town, bead, rig)


def merge_request(town: TownRunner, mr: str) -> dict[str, Any]:
    return town.bead(mr)


def refused(town: TownRunner, *args: str, reason: str) -> CliResult:
    """Run a `gt` command that must be refused: exit 1, `reason` on stderr, nothing logged."""
    before = len(town.events())
    result = town.gt(*args, check=False)
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert reason in result.stderr, result.stderr
    assert result.stdout == ""
    assert len(town.events()) == before, "a refused command logs nothing"
    return result


def logged(town: TownRunner, since: int) -> list[dict[str, Any]]:
    return town.events()[since:]


def test_mq_list_orders_waiting_requests_by_score_with_positions_per_rig(
    rig_town: TownRunner, tmp_path: Path
) -> None:
    town = rig_town
    side_source = make_source_repo(tmp_path / "side-source", town.env)
    town.gt("rig", "add", "side", str(side_source), "--prefix", "sd", "--runtime", "sim",
            "--no-gate-check")  # fmt: skip
    older = create_bead(town, "Older, normal priority")
    newer = create_bead(town, "Newer, normal priority")
    urgent = create_bead(town, "Newest but urgent", "-p", "0")
    elsewhere = create_bead(town, "On the other rig", rig="side")
    # One at a time, so submission order is the sling order.
    mrs = {bead: sling_to_queue(town, bead) for bead in (older, newer, urgent)}
    mrs[elsewhere] = sling_to_queue(town, elsewhere, rig="side")

    before = len(town.events())
    rows = town.gt("mq", "list", "--json").json()
    assert logged(town, before) == [], "listing logs nothing"
    assert [r["id"] for r in rows] == [mrs[urgent], mrs[older], mrs[newer], mrs[elsewhere]]
    assert [r["position"] for r in rows] == [1, 2, 3, 1]
    assert {r["state"] for r in rows} == {"queued"}
    assert all(r["issue_type"] == "merge-request" for r in rows)
    assert [r["metadata"]["source_issue"] for r in rows] == [urgent, older, newer, elsewhere]
    assert rows[0]["priority"] == 0 and rows[0]["metadata"]["rig"] == "demo"

    text = town.gt("mq", "list").stdout.splitlines()
    assert len(text) == 4
    assert text[0].startswith(mrs[urgent]) and " #1 " in text[0] and urgent in text[0]
    assert "queued" in text[0] and f"polecat/nux/{urgent}" in text[0]
    assert text[3].startswith(mrs[elsewhere]) and " #1 " in text[3]

    side_only = town.gt("mq", "list", "--rig", "side", "--json").json()
    assert [(r["id"], r["position"]) for r in side_only] == [(mrs[elsewhere], 1)]
    refused(town, "mq", "list", "--rig", "nowhere", "--json", reason="nowhere")

    landed = town.gt("refinery", "run", "side", "--once", "--json").json()
    assert [(o["mr"], o["result"]) for o in landed] == [(mrs[elsewhere], "merged")]
    waiting = town.gt("mq", "list", "--json").json()
    assert [r["id"] for r in waiting] == [mrs[urgent], mrs[older], mrs[newer]]
    everything = town.gt("mq", "list", "--all", "--json").json()
    assert [r["id"] for r in everything] == [mrs[urgent], mrs[older], mrs[newer], mrs[elsewhere]]
    merged = everything[-1]
    assert merged["state"] == "merged" and merged["position"] is None
    assert merged["status"] == "closed" and merged["metadata"]["merge_commit"]
    assert town.gt("mq", "list", "--rig", "side", "--json").json() == []
    assert [r["id"] for r in town.gt("mq", "list", "--rig", "side", "--all", "--json").json()] == [
        mrs[elsewhere]
    ]


def test_mq_status_shows_the_request_as_bd_show_does(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Show my request")
    mr = sling_to_queue(town, bead)
    follow_up = create_bead(town, "Waits for the merge")
    town.bd("dep", "add", follow_up, mr)
    before = len(town.events())
    shown = town.gt("mq", "status", mr, "--json").json()
    assert shown == town.bd("show", mr, "--json").json()
    (record,) = shown
    assert record["id"] == mr and record["issue_type"] == "merge-request"
    assert [(d["id"], d["dependency_type"]) for d in record["dependents"]] == [
        (follow_up, "blocks")
    ]
    metadata = record["metadata"]
    assert metadata["state"] == "queued" and metadata["source_issue"] == bead
    assert metadata["branch"] == f"polecat/nux/{bead}" and metadata["target"] == "main"
    assert metadata["worker"] == "demo/polecats/nux" and metadata["attempt"] == 1
    repo = town.root / "rigs" / "demo" / "repo.git"
    assert metadata["commit_sha"] == town.git(repo, "rev-parse", metadata["branch"])

    text = town.gt("mq", "status", mr).stdout.splitlines()
    assert text[0] == f"{mr}  Merge: {bead} Show my request"
    assert "  state: queued" in text and f"  source_issue: {bead}" in text
    assert f"  branch: polecat/nux/{bead}" in text and "  target: main" in text
    assert "  worker: demo/polecats/nux" in text and "  attempt: 1" in text
    assert f"  commit_sha: {metadata['commit_sha']}" in text
    assert not any(line.startswith("  merge_commit") for line in text)
    assert logged(town, before) == []

    refused(town, "mq", "status", "dm-nope", "--json", reason="no merge request 'dm-nope'")
    refused(town, "mq", "status", bead, reason=f"no merge request {bead!r}")


def test_mq_reject_closes_the_request_and_the_bead_is_ready_work_again(
    rig_town: TownRunner,
) -> None:
    town = rig_town
    bead = create_bead(town, "Not wanted after all")
    mr = sling_to_queue(town, bead)
    before = len(town.events())
    result = town.gt("mq", "reject", mr, "--reason", "duplicate of dm-x", "--json").json()
    assert result == {"mr": mr, "state": "rejected", "bead": bead, "reason": "duplicate of dm-x"}
    closed, reopened = logged(town, before)
    assert closed["op"] == "close" and closed["bead"] == mr and closed["actor"] == "overseer"
    assert closed["data"]["set"]["close_reason"] == "rejected: duplicate of dm-x"
    assert closed["data"]["metadata"] == {"state": "rejected", "rejected_by": "overseer"}
    assert reopened["op"] == "update" and reopened["bead"] == bead
    assert reopened["data"]["set"] == {"status": "open"}
    assert reopened["data"]["unset"] == ["assignee"]
    assert reopened["data"]["metadata"] == {"mr": None, "rejected_mr": mr}

    record = town.bead(bead)
    assert record["status"] == "open" and "assignee" not in record
    assert "mr" not in record["metadata"] and record["metadata"]["rejected_mr"] == mr
    assert [r["id"] for r in town.bd("ready", "--json").json()] == [bead]
    request = merge_request(town, mr)
    assert request["status"] == "closed" and request["metadata"]["state"] == "rejected"
    assert town.gt("mq", "list", "--json").json() == []
    (shown,) = town.gt("mq", "list", "--all", "--json").json()
    assert shown["id"] == mr and shown["state"] == "rejected" and shown["position"] is None

    refused(town, "mq", "reject", mr, reason=f"{mr} is already rejected")
    refused(town, "mq", "reject", "dm-nope", reason="no merge request 'dm-nope'")
    refused(town, "mq", "reject", bead, reason=f"no merge request {bead!r}")
    text = town.gt("mq", "reject", "--help").stdout
    assert "--reason" in text

    # Slung again, it lands; a merged request cannot be rejected.
    again = sling_to_queue(town, bead)
    assert again != mr
    (outcome,) = town.gt("refinery", "run", "demo", "--once", "--json").json()
    assert outcome["mr"] == again and outcome["result"] == "merged"
    refused(town, "mq", "reject", again, "--reason", "late", reason=f"{again} is already merged")
    assert town.bead(bead)["status"] == "closed"


def test_mq_reject_text_output(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Rejected in plain text")
    mr = sling_to_queue(town, bead)
    said = town.gt("mq", "reject", mr).stdout
    assert said == f"{mr}: rejected; {bead} is open again\n"
    close = [e for e in town.events() if e["op"] == "close" and e["bead"] == mr]
    assert close[0]["data"]["set"]["close_reason"] == "rejected: rejected by the operator"
    # The operator then closed the work itself: there is nothing left to retry.
    town.bd("close", bead, "--reason", "won't do")
    refused(town, "mq", "retry", mr, reason=f"{bead} is already closed")


@contextmanager
def refinery_process(town: TownRunner, rig: str, *extra: str) -> Iterator[subprocess.Popen[bytes]]:
    """`gt refinery run RIG` in the background, stopped afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gastown_tui.cli.gt_main", "refinery", "run", rig, *extra],
        cwd=town.root, env=town.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=60)


def heartbeat_written(town: TownRunner, session: str) -> bool:
    return (town.root / ".runtime" / "heartbeats").is_dir() and any(
        session in path.name for path in (town.root / ".runtime" / "heartbeats").iterdir()
    )


def test_mq_reject_is_refused_while_the_request_is_being_tested(
    town: TownRunner, tmp_path: Path
) -> None:
    source = make_source_repo(tmp_path / "source", town.env)
    release, started = tmp_path / "release", tmp_path / "gate-started"
    gate = (f"touch {started}; while [ ! -e {release} ]; do sleep 0.05; done; "
            "python3 -m pytest -q -p no:cacheprovider")  # fmt: skip
    town.gt("rig", "add", "demo", str(source), "--prefix", "dm", "--runtime", "sim",
            "--gate", f"test={gate}", "--no-gate-check")  # fmt: skip
    bead = create_bead(town, "Tested slowly")
    mr = sling_to_queue(town, bead)
    with refinery_process(town, "demo", "--once", "--json") as refinery:
        eventually(started.exists, what="the gate to start")
        assert merge_request(town, mr)["metadata"]["state"] == "testing"
        refused(town, "mq", "reject", mr, reason=f"{mr} is being tested right now")
        release.touch()
        out, _ = refinery.communicate(timeout=120)
    assert refinery.returncode == 0
    (outcome,) = json.loads(out)
    assert outcome["mr"] == mr and outcome["result"] == "merged"
    assert merge_request(town, mr)["metadata"]["state"] == "merged"


def test_refinery_run_once_lists_its_outcomes_as_json(rig_town: TownRunner) -> None:
    town = rig_town
    good = create_bead(town, "Lands")
    bad = create_bead(town, "Breaks the tests")
    good_mr = sling_to_queue(town, good)
    bad_mr = sling_to_queue(town, bad, "--var", "sim.mode=break-tests")
    # The rework would run at once; a hanging sim keeps its session quiet for this test.
    town.bd("update", bad, "--set-metadata", 'vars={"sim.mode": "hang"}')
    before = len(town.events())
    outcomes = town.gt("refinery", "run", "demo", "--once", "--json").json()
    assert [(o["mr"], o["result"]) for o in outcomes] == [(good_mr, "merged"), (bad_mr, "failed")]
    merged, failed = outcomes
    repo = town.root / "rigs" / "demo" / "repo.git"
    assert merged["commit"] == town.git(repo, "rev-parse", "main")
    assert merged["detail"] == "" and merged["bugs"] == []
    assert failed["commit"] is None and failed["detail"] == "gate test" and failed["bugs"] == []
    ops = [(e["op"], e["bead"]) for e in logged(town, before)
           if e["op"] in ("merge_started", "merged", "merge_failed", "rework")]  # fmt: skip
    assert ops == [("merge_started", good_mr), ("merged", good_mr), ("merge_started", bad_mr),
                   ("rework", bad), ("merge_failed", bad_mr)]  # fmt: skip
    assert all(e["actor"] == "demo/refinery" for e in logged(town, before)
               if e["op"] in ("merge_started", "merged", "merge_failed"))  # fmt: skip
    # Nothing left: a second run has nothing to say.
    assert town.gt("refinery", "run", "demo", "--once", "--json").json() == []
    text = town.gt("refinery", "run", "demo", "--once").stdout
    assert text == ""


def test_a_second_refinery_on_the_same_rig_is_refused(rig_town: TownRunner) -> None:
    town = rig_town
    with refinery_process(town, "demo") as first:
        eventually(lambda: heartbeat_written(town, "dm-refinery"), what="the first refinery")
        assert first.poll() is None
        refused(town, "refinery", "run", "demo", "--once", "--json",
                reason="the refinery of demo is already running")  # fmt: skip
        refused(town, "refinery", "run", "demo", reason="the refinery of demo is already running")
        assert first.poll() is None, "the first refinery keeps running"
    # Once it has stopped, the lock is free again.
    assert town.gt("refinery", "run", "demo", "--once", "--json").json() == []


def test_mq_retry_queues_a_failed_request_again_once_its_rework_is_unslung(
    rig_town: TownRunner,
) -> None:
    town = rig_town
    bead = create_bead(town, "Flaky, retried by hand")
    mr = sling_to_queue(town, bead, "--var", "sim.mode=break-tests")
    # The rework session starts at once; make it hang so it stays live and files nothing.
    town.bd("update", bead, "--set-metadata", 'vars={"sim.mode": "hang"}')
    (outcome,) = town.gt("refinery", "run", "demo", "--once", "--json").json()
    assert outcome["mr"] == mr and outcome["result"] == "failed"
    assert merge_request(town, mr)["metadata"]["state"] == "failed"
    reworked = town.bead(bead)
    assert reworked["status"] == "hooked" and reworked["metadata"]["session"] == "dm-nux"
    assert "dm-nux" in town.sessions()

    refused(town, "mq", "retry", mr, "--json",
            reason=f"{bead} is being reworked in a live session (dm-nux)")  # fmt: skip
    town.gt("unsling", bead)
    assert town.bead(bead)["status"] == "open"

    before = len(town.events())
    result = town.gt("mq", "retry", mr, "--json").json()
    assert result == {"mr": mr, "state": "queued", "was": "failed"}
    reopened, handed = logged(town, before)
    assert reopened["op"] == "reopen" and reopened["bead"] == mr
    assert reopened["data"]["set"]["status"] == "open"
    assert reopened["data"]["metadata"]["state"] == "queued"
    assert reopened["data"]["metadata"]["retried_by"] == "overseer"
    assert handed["op"] == "update" and handed["bead"] == bead
    assert handed["data"]["set"] == {"status": "in_progress", "assignee": "demo/refinery"}
    assert handed["data"]["metadata"] == {"mr": mr}

    request = merge_request(town, mr)
    assert request["status"] == "open" and request["metadata"]["state"] == "queued"
    assert "closed_at" not in request
    record = town.bead(bead)
    assert record["status"] == "in_progress" and record["assignee"] == "demo/refinery"
    assert record["metadata"]["mr"] == mr
    (row,) = town.gt("mq", "list", "--json").json()
    assert row["id"] == mr and row["position"] == 1

    refused(town, "mq", "retry", mr, reason=f"{mr} is queued: there is nothing to retry")
    refused(town, "mq", "retry", "dm-nope", reason="no merge request 'dm-nope'")


def test_mq_retry_text_output_and_a_merged_request_is_refused(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Rejected, then retried")
    mr = sling_to_queue(town, bead)
    town.gt("mq", "reject", mr)
    assert town.gt("mq", "retry", mr).stdout == f"{mr}: queued again\n"
    assert town.bead(bead)["assignee"] == "demo/refinery"
    (outcome,) = town.gt("refinery", "run", "demo", "--once", "--json").json()
    assert outcome["result"] == "merged"
    refused(town, "mq", "retry", mr, reason=f"{mr} is merged: there is nothing to retry")


def test_mq_retry_of_a_request_whose_rework_already_filed_a_newer_one_is_refused(
    rig_town: TownRunner,
) -> None:
    town = rig_town
    bead = create_bead(town, "Reworked before the retry")
    first = sling_to_queue(town, bead, "--var", "sim.mode=break-tests")
    town.bd("update", bead, "--set-metadata", 'vars={"sim.mode": "ok"}')
    (outcome,) = town.gt("refinery", "run", "demo", "--once", "--json").json()
    assert outcome["result"] == "failed"
    second = queued_mr(town, bead)  # the rework's own request, filed by its `gt done`
    assert second != first
    refused(town, "mq", "retry", first, reason=f"{bead} moved on to {second}")
    assert merge_request(town, first)["metadata"]["state"] == "failed"
    (row,) = town.gt("mq", "list", "--json").json()
    assert row["id"] == second
