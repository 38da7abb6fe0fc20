"""`bd mol pour|wisp|current|squash|burn` and `bd close --continue` through the real CLI.

Every test checks both what the command prints with `--json` and what it wrote to the event log:
a molecule is poured in one batch, each `--continue` is one batch (close plus claim), and a
refused close writes nothing.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

from bd_helpers import refused
from conftest import BdRunner

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "formulas" / "mol-polecat-work.formula.toml"
WORK_STEPS = ["load-context", "understand", "implement", "test", "self-review", "submit"]
LEGS = ["correctness", "tests", "security", "readability"]
MOL_ID = re.compile(r"t-mol-[0-9a-z]{3,}")
WISP_ID = re.compile(r"t-wisp-[0-9a-z]{3,}")


def pour(bd: BdRunner, formula: str, *flags: str, verb: str = "pour") -> dict[str, Any]:
    return bd("mol", verb, formula, *flags, "--json").json()


def pour_work(
    bd: BdRunner, issue: str = "t-abc", *flags: str, verb: str = "pour"
) -> dict[str, Any]:
    return pour(bd, "mol-polecat-work", "--var", f"issue={issue}", *flags, verb=verb)


def show(bd: BdRunner, bead_id: str) -> dict[str, Any]:
    shown = bd("show", bead_id, "--json").json()
    assert len(shown) == 1
    return shown[0]


def current(bd: BdRunner, *args: str) -> dict[str, Any]:
    return bd("mol", "current", *args, "--json").json()


def states(bd: BdRunner, root: str) -> list[str]:
    return [row["state"] for row in current(bd, root)["steps"]]


def beads_of(poured: dict[str, Any]) -> list[str]:
    return [row["bead"] for row in poured["steps"]]


def ready_ids(bd: BdRunner) -> list[str]:
    return [row["id"] for row in bd("ready", "-n", "0", "--json").json()]


def listed_ids(bd: BdRunner) -> set[str]:
    return {row["id"] for row in bd("list", "--all", "--json").json()}


def assert_one_batch(events: list[dict[str, Any]]) -> None:
    """The events were appended as one atomic batch (a single event carries no batch tag)."""
    assert events
    if len(events) == 1:
        assert "batch" not in events[0], events[0]
        return
    expected = {"id": events[0]["id"], "size": len(events)}
    assert [event.get("batch") for event in events] == [expected] * len(events), events


def close_continue(bd: BdRunner, bead: str, *flags: str, actor: str) -> dict[str, Any]:
    return bd("close", bead, "--continue", *flags, "--json", actor=actor).json()


# ---------------------------------------------------------------------------------------------
# pour


def test_pour_creates_the_root_and_one_bead_per_step_in_one_batch(bd: BdRunner) -> None:
    before = len(bd.events())
    poured = pour_work(bd, "t-abc", "--assignee", "polecat-1")
    events = bd.new_events(before)
    cooked = bd("cook", "mol-polecat-work", "--var", "issue=t-abc", "--json").json()["steps"]
    root, beads = poured["molecule"], beads_of(poured)

    assert (poured["formula"], poured["wisp"]) == ("mol-polecat-work", False)
    assert [(row["step"], row["title"]) for row in poured["steps"]] == [
        (step["id"], step["title"]) for step in cooked
    ]
    assert [row["step"] for row in poured["steps"]] == WORK_STEPS
    assert all(MOL_ID.fullmatch(bead_id) for bead_id in [root, *beads]), [root, *beads]
    assert len({root, *beads}) == 7

    assert [(e["op"], e["bead"]) for e in events] == [("create", b) for b in [root, *beads]]
    assert_one_batch(events)
    assert events[0]["batch"] == {"id": events[0]["id"], "size": 7}
    assert all(e["data"]["record"]["status"] == "open" for e in events)

    root_record = show(bd, root)
    assert root_record["issue_type"] == "epic"
    assert root_record["title"] == "mol-polecat-work: t-abc"
    assert root_record["labels"] == ["molecule"]
    assert (root_record["status"], root_record["assignee"]) == ("open", "polecat-1")
    assert root_record["metadata"]["formula"] == "mol-polecat-work"
    assert root_record["metadata"]["vars"]["issue"] == "t-abc"

    bead_of = dict(zip(WORK_STEPS, beads, strict=True))
    for index, (step, bead_id) in enumerate(zip(cooked, beads, strict=True)):
        record = show(bd, bead_id)
        assert record["title"] == step["title"]
        assert record["description"] == step["description"]
        assert record["acceptance_criteria"] == step["acceptance"]
        assert (record["issue_type"], record["priority"]) == ("task", 2)
        assert (record["status"], record["assignee"]) == ("open", "polecat-1")
        assert record["metadata"] == {"molecule": root, "step": step["id"], "step_index": index}
        edges = {(dep["dependency_type"], dep["id"]) for dep in record["dependencies"]}
        wanted = {("parent-child", root)} | {("blocks", bead_of[need]) for need in step["needs"]}
        assert edges == wanted, (step["id"], edges)
        assert "{{" not in record["title"] + record["description"]


def test_after_pour_only_the_first_step_can_start(bd: BdRunner) -> None:
    poured = pour_work(bd, "t-abc", "--assignee", "polecat-1")
    root, beads = poured["molecule"], beads_of(poured)

    ready = ready_ids(bd)
    assert [bead for bead in ready if bead in beads] == [beads[0]], ready
    blocked = {row["id"]: row["blocked_by"] for row in bd("blocked", "--json").json()}
    for earlier, later in pairwise(beads):
        assert blocked[later] == [earlier], (later, blocked.get(later))
    assert beads[0] not in blocked

    now = current(bd, root)
    assert (now["molecule"], now["formula"], now["complete"]) == (root, "mol-polecat-work", False)
    assert [(row["step"], row["bead"]) for row in now["steps"]] == list(
        zip(WORK_STEPS, beads, strict=True)
    )
    assert [row["state"] for row in now["steps"]] == ["ready"] + ["blocked"] * 5
    assert {row["assignee"] for row in now["steps"]} == {"polecat-1"}
    assert now["steps"][1]["title"] == "Understand t-abc"
    assert refused(bd, "mol", "current", "t-mol-nothere")


def test_pour_without_vars_checks_required_vars_and_logs_nothing(bd: BdRunner) -> None:
    for verb in ("pour", "wisp"):
        missing = refused(bd, "mol", verb, "mol-polecat-work")
        assert re.search(re.escape(str(WORK)) + r":\d+:", missing), missing
        assert "missing required variable 'issue'" in missing
        also = refused(bd, "mol", verb, "mol-polecat-work", "--var", "target=main")
        assert "missing required variable 'issue'" in also
    assert "no formula 'nowhere'" in refused(bd, "mol", "pour", "nowhere")
    assert "does not match" in refused(bd, "mol", "pour", "code-review", "--var", "mr=NOT AN ID")
    assert refused(bd, "mol", "pour", "code-review", "--var", "mr=t-mr01", "--var", "preset=huge")
    assert "expansion" in refused(bd, "mol", "pour", "rule-of-five")
    assert refused(bd, "mol", "pour", "mol-polecat-work", "--var", "novalue", code=2)
    assert [e["op"] for e in bd.events()] == []  # `bd init` logs nothing either


def test_pour_accepts_a_persisted_proto_with_its_stored_values(bd: BdRunner) -> None:
    bd("cook", "mol-polecat-work", "--var", "issue=t-9", "--persist")
    before = len(bd.events())
    poured = pour(bd, "mol-polecat-work")
    assert [row["step"] for row in poured["steps"]] == WORK_STEPS
    assert show(bd, poured["molecule"])["title"] == "mol-polecat-work: t-9"
    assert show(bd, poured["steps"][0]["bead"])["title"] == "Load context for t-9"
    events = bd.new_events(before)
    assert [e["op"] for e in events] == ["create"] * 7
    assert_one_batch(events)
    again = pour(bd, "mol-polecat-work", "--var", "issue=t-10")
    assert show(bd, again["molecule"])["title"] == "mol-polecat-work: t-10"


# ---------------------------------------------------------------------------------------------
# close --continue


def test_walking_the_molecule_closes_every_step_in_needs_order(bd: BdRunner) -> None:
    poured = pour_work(bd, "t-abc", "--assignee", "polecat-1")
    root, beads = poured["molecule"], beads_of(poured)
    needs = {
        step["id"]: step["needs"]
        for step in bd("cook", "mol-polecat-work", "--var", "issue=t-abc", "--json").json()["steps"]
    }
    before = len(bd.events())
    results = []
    bead: str | None = beads[0]
    while bead is not None:
        done = len(results)
        expected = ["done"] * done + ["current" if done else "ready"] + ["blocked"] * (5 - done)
        assert states(bd, root) == expected
        results.append(close_continue(bd, bead, actor="walker"))
        bead = results[-1]["next"]
        assert len(results) <= 6, results

    assert [r["closed"] for r in results] == beads
    assert [r["next"] for r in results] == [*beads[1:], None]
    assert [r["next_step"] for r in results] == [*WORK_STEPS[1:], None]
    assert [r["complete"] for r in results] == [False] * 5 + [True]

    events = bd.new_events(before)
    assert all(e["actor"] == "walker" for e in events)
    assert len(events) == 12, [(e["op"], e["bead"]) for e in events]
    for first in range(0, 12, 2):  # each --continue appended exactly one batch of two
        assert_one_batch(events[first : first + 2])
    closes = [e for e in events if e["op"] == "close"]
    assert [e["bead"] for e in closes] == [*beads, root]
    stamps = [e["ts"] for e in closes]
    assert stamps == sorted(set(stamps)), "every close has its own, later, timestamp"
    closed_at = {e["bead"]: e["ts"] for e in closes}
    bead_of = dict(zip(WORK_STEPS, beads, strict=True))
    for step, bead_id in bead_of.items():
        assert all(closed_at[bead_of[need]] < closed_at[bead_id] for need in needs[step])
        assert show(bd, bead_id)["closed_at"] == closed_at[bead_id]
    claims = [e for e in events if e["op"] == "claim"]
    assert [e["bead"] for e in claims] == beads[1:]
    assert all(
        (e["data"]["set"]["status"], e["data"]["set"]["assignee"]) == ("in_progress", "polecat-1")
        for e in claims
    )

    assert show(bd, root)["status"] == "closed"
    assert all(show(bd, bead_id)["status"] == "closed" for bead_id in beads)
    final = current(bd, root)
    assert final["complete"] is True
    assert [row["state"] for row in final["steps"]] == ["done"] * 6
    assert not set(ready_ids(bd)) & {root, *beads}


def test_continue_claims_for_the_actor_when_the_step_has_no_assignee(bd: BdRunner) -> None:
    poured = pour_work(bd)
    beads = beads_of(poured)
    before = len(bd.events())
    out = close_continue(bd, beads[0], actor="walker")
    assert (out["closed"], out["next"], out["next_step"], out["complete"]) == (
        beads[0], beads[1], "understand", False)  # fmt: skip
    events = bd.new_events(before)
    assert [(e["op"], e["bead"]) for e in events] == [("close", beads[0]), ("claim", beads[1])]
    assert_one_batch(events)
    assert events[1]["data"]["set"]["assignee"] == "walker"
    claimed = show(bd, beads[1])
    assert (claimed["status"], claimed["assignee"]) == ("in_progress", "walker")
    row = current(bd, poured["molecule"])["steps"][1]
    assert (row["state"], row["assignee"]) == ("current", "walker")


def test_closing_a_step_before_its_needs_is_the_batch_closure_heresy(bd: BdRunner) -> None:
    poured = pour_work(bd, "t-abc", "--assignee", "polecat-1")
    beads = beads_of(poured)
    close_continue(bd, beads[0], actor="polecat-1")  # load-context done, understand claimed

    for flags in (("--continue",), ()):
        message = refused(bd, "close", beads[2], *flags)
        assert beads[1] in message or "understand" in message, message
        assert "Batch-Closure" in message, message
        assert beads[0] not in message, "a closed need is not an open need"
    assert show(bd, beads[2])["status"] == "open"
    assert states(bd, poured["molecule"]) == ["done", "current"] + ["blocked"] * 4

    before = len(bd.events())
    out = close_continue(bd, beads[2], "--force", actor="polecat-1")
    assert out["closed"] == beads[2]
    assert (out["next"], out["next_step"], out["complete"]) == (beads[3], "test", False)
    events = bd.new_events(before)
    assert_one_batch(events)
    assert ("close", beads[2]) in [(e["op"], e["bead"]) for e in events]
    forced = show(bd, beads[2])
    assert forced["status"] == "closed"
    assert forced["metadata"]["out_of_order"] is True
    assert forced["metadata"]["step"] == "implement", "the step's own metadata is kept"
    assert not show(bd, beads[0])["metadata"].get("out_of_order")
    assert show(bd, beads[1])["status"] == "in_progress", "forcing closes only the named step"


def test_a_synthesis_step_cannot_close_before_every_leg(bd: BdRunner) -> None:
    poured = pour(bd, "code-review", "--var", "mr=t-mr01", "--assignee", "rev")
    bead_of = {row["step"]: row["bead"] for row in poured["steps"]}
    assert list(bead_of) == [*LEGS, "synthesis"]
    first = close_continue(bd, bead_of["correctness"], actor="rev")
    assert (first["next"], first["next_step"]) == (bead_of["tests"], "tests"), "lowest index first"
    message = refused(bd, "close", bead_of["synthesis"], "--continue")
    assert "Batch-Closure" in message
    for leg in LEGS[1:]:
        assert bead_of[leg] in message or leg in message, (leg, message)
    second = close_continue(bd, bead_of["tests"], actor="rev")
    assert (second["next"], second["next_step"]) == (bead_of["security"], "security")


# ---------------------------------------------------------------------------------------------
# wisps


def test_wisps_are_ephemeral_and_exported_only_with_all(bd: BdRunner) -> None:
    bd("create", "kept", "--id", "t-keep")
    before = len(bd.events())
    wisp = pour_work(bd, "t-abc", "--assignee", "polecat-1", verb="wisp")
    events = bd.new_events(before)
    root, beads = wisp["molecule"], beads_of(wisp)
    assert wisp["wisp"] is True
    assert [row["step"] for row in wisp["steps"]] == WORK_STEPS
    assert all(WISP_ID.fullmatch(bead_id) for bead_id in [root, *beads]), [root, *beads]
    assert [(e["op"], e["bead"]) for e in events] == [("create", b) for b in [root, *beads]]
    assert_one_batch(events)
    assert all(e["data"]["record"]["ephemeral"] is True for e in events)
    assert all(show(bd, bead_id)["ephemeral"] is True for bead_id in [root, *beads])

    assert not set(ready_ids(bd)) & {root, *beads}, "wisps are never ready work"
    assert "t-keep" in ready_ids(bd)
    assert states(bd, root) == ["ready"] + ["blocked"] * 5

    plain, everything = bd.cwd / "plain.jsonl", bd.cwd / "all.jsonl"
    assert bd("export", "-o", str(plain), "--json").json()["count"] == 1
    assert bd("export", "-o", str(everything), "--all", "--json").json()["count"] == 8
    exported = [json.loads(line)["id"] for line in plain.read_text("utf-8").splitlines()]
    assert exported == ["t-keep"]
    with_wisps = {json.loads(line)["id"] for line in everything.read_text("utf-8").splitlines()}
    assert with_wisps == {"t-keep", root, *beads}


# ---------------------------------------------------------------------------------------------
# mol current --for


def test_current_for_an_agent_finds_their_newest_unfinished_molecule(bd: BdRunner) -> None:
    older = pour_work(bd, "t-1", "--assignee", "alice")
    bobs = pour_work(bd, "t-2", "--assignee", "bob")
    newer = pour_work(bd, "t-3", "--assignee", "alice")
    found = current(bd, "--for", "alice")
    assert (found["molecule"], found["formula"]) == (newer["molecule"], "mol-polecat-work")
    assert {row["assignee"] for row in found["steps"]} == {"alice"}
    assert [row["state"] for row in found["steps"]] == ["ready"] + ["blocked"] * 5
    assert current(bd, "--for", "bob")["molecule"] == bobs["molecule"]
    assert "carol" in refused(bd, "mol", "current", "--for", "carol")

    bead: str | None = newer["steps"][0]["bead"]
    while bead is not None:
        bead = close_continue(bd, bead, actor="alice")["next"]
    assert current(bd, newer["molecule"])["complete"] is True
    assert current(bd, "--for", "alice")["molecule"] == older["molecule"]
    assert current(bd, "--for", "bob")["molecule"] == bobs["molecule"]


# ---------------------------------------------------------------------------------------------
# squash and burn


def test_squash_replaces_the_molecule_by_one_closed_digest(bd: BdRunner) -> None:
    poured = pour_work(bd, "t-abc", "--assignee", "polecat-1")
    root, beads = poured["molecule"], beads_of(poured)
    close_continue(bd, beads[0], "--reason", "context loaded", actor="polecat-1")
    before = len(bd.events())
    out = bd("mol", "squash", root, "--json").json()
    events = bd.new_events(before)

    assert set(out["removed"]) == {root, *beads} and len(out["removed"]) == 7
    digest = out["digest"]
    assert digest not in out["removed"]
    assert_one_batch(events)
    assert [(e["op"], e["bead"]) for e in events if e["op"] == "create"] == [("create", digest)]
    assert sorted(e["bead"] for e in events if e["op"] == "delete") == sorted(out["removed"])
    assert len(events) == 8

    record = show(bd, digest)
    assert (record["status"], record["issue_type"]) == ("closed", "task")
    assert record["title"] == "Digest: mol-polecat-work: t-abc"
    assert record["metadata"] == {"squashed_from": root, "formula": "mol-polecat-work"}
    assert all(step in record["description"] for step in WORK_STEPS), record["description"]
    assert "context loaded" in record["description"]
    assert_gone(bd, root, beads)
    assert digest in listed_ids(bd)
    assert digest not in ready_ids(bd)


def test_burn_removes_the_molecule_without_a_trace_bead(bd: BdRunner) -> None:
    poured = pour_work(bd, "t-abc")
    root, beads = poured["molecule"], beads_of(poured)
    before = len(bd.events())
    out = bd("mol", "burn", root, "--json").json()
    events = bd.new_events(before)
    assert set(out) == {"removed"}
    assert set(out["removed"]) == {root, *beads} and len(out["removed"]) == 7
    assert sorted((e["op"], e["bead"]) for e in events) == sorted(
        ("delete", bead_id) for bead_id in out["removed"]
    )
    assert_one_batch(events)
    assert_gone(bd, root, beads)
    assert refused(bd, "mol", "burn", root)
    assert refused(bd, "mol", "squash", "t-mol-nothere")


def assert_gone(bd: BdRunner, root: str, beads: list[str]) -> None:
    for bead_id in [root, *beads]:
        assert refused(bd, "show", bead_id)
    assert not listed_ids(bd) & {root, *beads}
    assert not set(ready_ids(bd)) & {root, *beads}
    assert refused(bd, "mol", "current", root)


# ---------------------------------------------------------------------------------------------
# racing `bd close --continue`

# Each racer imports the CLI first, then waits for a shared start time and runs `bd` (the same
# `main` as `python -m gastown_tui.cli.bd_main`), so both reach the store at the same moment.
_RACER = (
    "import sys, time\n"
    "from gastown_tui.cli import bd_main, bd_mol_commands, bd_write_commands\n"
    "time.sleep(max(0.0, float(sys.argv[1]) - time.time()))\n"
    "sys.exit(bd_main.main(sys.argv[2:]))\n"
)


def race(bd: BdRunner, *runs: tuple[str, list[str]]) -> list[dict[str, Any]]:
    """Run each (actor, args) as its own `bd` process, all released at the same instant."""
    start = f"{time.time() + 1.5:.6f}"
    procs = []
    for actor, args in runs:
        env = {**bd.env, "BD_ACTOR": actor}
        procs.append(subprocess.Popen(
            [sys.executable, "-c", _RACER, start, *args], cwd=bd.cwd, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        ))  # fmt: skip
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, (proc.args[3:], proc.returncode, err.decode())
        outputs.append(json.loads(out))
    return outputs


def test_racing_continues_never_claim_a_step_twice_nor_leave_one_unclaimed(bd: BdRunner) -> None:
    for round_number in range(1, 6):
        poured = pour(bd, "code-review", "--var", f"mr=t-mr{round_number:02d}",
                      "--assignee", "rev")  # fmt: skip
        root = poured["molecule"]
        bead_of = {row["step"]: row["bead"] for row in poured["steps"]}
        legs = [bead_of[leg] for leg in LEGS]
        synthesis = bead_of["synthesis"]
        assert states(bd, root) == ["ready"] * 4 + ["blocked"]
        bd("update", legs[0], legs[1], "--claim", "--json", actor="rev")
        assert states(bd, root) == ["current", "current", "ready", "ready", "blocked"]

        # Two reviewers finish at once: each must claim a different one of the two ready legs.
        before = len(bd.events())
        first = race(bd, ("racer-a", ["close", legs[0], "--continue", "--json"]),
                     ("racer-b", ["close", legs[1], "--continue", "--json"]))  # fmt: skip
        assert [out["closed"] for out in first] == legs[:2]
        assert sorted(out["next"] for out in first) == sorted(legs[2:]), (round_number, first)
        assert not any(out["complete"] for out in first)
        check_batches(bd.new_events(before))
        now = current(bd, root)["steps"]
        assert [row["state"] for row in now] == ["done", "done", "current", "current", "blocked"]
        assert [row["assignee"] for row in now] == ["rev"] * 5

        # The last two legs finish at once: exactly one of them must claim the synthesis.
        before = len(bd.events())
        second = race(bd, ("racer-a", ["close", legs[2], "--continue", "--json"]),
                      ("racer-b", ["close", legs[3], "--continue", "--json"]))  # fmt: skip
        assert [out["closed"] for out in second] == legs[2:]
        assert sorted(str(out["next"]) for out in second) == sorted([synthesis, "None"]), second
        assert not any(out["complete"] for out in second)
        check_batches(bd.new_events(before))
        now = current(bd, root)["steps"]
        assert [row["state"] for row in now] == ["done"] * 4 + ["current"], (round_number, now)
        assert now[-1]["assignee"] == "rev"

        done = close_continue(bd, synthesis, actor="rev")
        assert (done["next"], done["complete"]) == (None, True)
        assert show(bd, root)["status"] == "closed"

        claims = Counter(e["bead"] for e in bd.events() if e["op"] == "claim")
        assert {bead_id: claims[bead_id] for bead_id in bead_of.values()} == dict.fromkeys(
            bead_of.values(), 1
        ), f"round {round_number}: every step claimed exactly once"
    closes = Counter(e["bead"] for e in bd.events() if e["op"] == "close")
    assert set(closes.values()) == {1}, "no bead was closed twice"


def check_batches(events: list[dict[str, Any]]) -> None:
    """Each racer wrote one batch: its close, plus the claim it made (if any), nothing else."""
    by_actor: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_actor.setdefault(event["actor"], []).append(event)
    assert set(by_actor) == {"racer-a", "racer-b"}, events
    for own in by_actor.values():
        assert [e["op"] for e in own] in (["close"], ["close", "claim"]), own
        assert_one_batch(own)
        assert all(e["data"]["set"]["assignee"] == "rev" for e in own if e["op"] == "claim")
    actors = [event["actor"] for event in events]
    assert sum(a != b for a, b in pairwise(actors)) == 1, f"batches interleaved: {actors}"
