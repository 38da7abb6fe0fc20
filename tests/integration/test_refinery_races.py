"""The Refinery against the operator and other workers (DESIGN §6): every MR state change is
checked inside its own write transaction, so a rejected or superseded MR never lands and its
bead is never re-hooked; one MR that errors is marked `failed` and the queue moves on.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from refinery_town import file_merge_request, main_head, queued_mr, quick_rig, record, set_gate
from town_fixtures import TownRunner

from gastown_tui.town.refinery import merge_requests
from gastown_tui.town.refinery.merger import Refinery
from gastown_tui.town.refinery.queue_runner import run_refinery
from gastown_tui.town.town import Town

__all__ = ["quick_rig"]


def test_a_claim_never_overwrites_a_rejection_that_came_first(
    quick_rig: tuple[TownRunner, Town], tmp_path: Path
) -> None:
    runner, town = quick_rig
    _, mr = queued_mr(runner, town, "Rejected in time", tmp_path)
    looked = record(town, mr)  # the refinery read the queue...
    merge_requests.reject(town, mr, "not this one", "overseer")  # ...then the operator acted
    before = main_head(runner)
    refinery = Refinery(town, "demo")
    refinery.recover()
    outcome = refinery.process(looked)
    assert (outcome.result, outcome.detail) == ("skipped", "it is rejected")
    assert record(town, mr)["metadata"]["state"] == "rejected"
    assert main_head(runner) == before


@pytest.mark.parametrize("gate_exit", [0, 1])
def test_an_mr_superseded_while_its_gates_run_neither_lands_nor_comes_back(
    quick_rig: tuple[TownRunner, Town], tmp_path: Path, gate_exit: int
) -> None:
    runner, town = quick_rig
    bead, mr = queued_mr(runner, town, "Superseded mid-test", tmp_path)
    # While the gate runs, the MR is superseded (as `gt done` of a newer attempt does).
    set_gate(town, f"bd update {mr} --status closed --set-metadata state=superseded "
                   f">/dev/null && exit {gate_exit}")  # fmt: skip
    before = main_head(runner)
    (outcome,) = run_refinery(Refinery(town, "demo"), once=True)
    assert outcome.result == "skipped"
    assert main_head(runner) == before
    assert record(town, mr)["metadata"]["state"] == "superseded"
    assert record(town, bead)["status"] == "in_progress", "not re-hooked for rework"
    ops = {event["op"] for event in runner.events() if event["bead"] in (mr, bead)}
    assert not ops & {"merged", "rework", "merge_failed"}


def test_one_broken_mr_is_marked_failed_and_the_queue_moves_on(
    quick_rig: tuple[TownRunner, Town], tmp_path: Path
) -> None:
    runner, town = quick_rig
    # Broken: it names a bead that does not exist and a branch that is gone.
    broken = file_merge_request(town, "demo", "dm-nosuchbead", "polecat/nux/gone")
    bead, good = queued_mr(runner, town, "Lands after the broken one", tmp_path)
    outcomes = {o.mr: o for o in run_refinery(Refinery(town, "demo"), once=True)}
    assert outcomes[broken].result == "failed" and "dm-nosuchbead" in outcomes[broken].detail
    assert outcomes[good].result == "merged" and record(town, bead)["status"] == "closed"
    failed = record(town, broken)
    assert failed["status"] == "closed" and failed["metadata"]["state"] == "failed"
    assert "dm-nosuchbead" in failed["metadata"]["error"]
    (event,) = [e for e in runner.events() if e["op"] == "merge_failed" and e["bead"] == broken]
    assert event["data"]["failure_type"] == "other" and "dm-nosuchbead" in event["data"]["error"]
