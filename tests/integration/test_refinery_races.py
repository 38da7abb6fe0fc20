"""The Refinery against the operator and other workers (DESIGN §6): every MR state change is
checked inside its own write transaction, so a rejected or superseded MR never lands and its
bead is never re-hooked; one MR that errors is marked `failed` and the queue moves on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from engine_town import commit_branch, engine_town, file_merge_request, main_head
from town_fixtures import TownRunner, create_bead, make_source_repo

from gastown_tui.core.rig_settings import Gate, parse_rig_settings, rig_toml_text
from gastown_tui.town.refinery import merge_requests
from gastown_tui.town.refinery.merger import Refinery
from gastown_tui.town.refinery.queue_runner import run_refinery
from gastown_tui.town.town import Town


@pytest.fixture
def quick_rig(town_factory: Callable[..., TownRunner], tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TownRunner, Town]]:  # fmt: skip
    """A town with rig `demo` (prefix `dm`) whose only gate is `true`, open in-process."""
    runner = town_factory()
    source = make_source_repo(tmp_path / "src", runner.env, kind="script")
    runner.gt("rig", "add", "demo", str(source), "--prefix", "dm", "--runtime", "sim",
              "--gate", "test=true")  # fmt: skip
    town = engine_town(runner, monkeypatch)
    yield runner, town
    town.close()


def set_gate(town: Town, command: str) -> None:
    path = town.paths.rig_toml("demo")
    settings = parse_rig_settings(path.read_text(), str(path))
    gated = dataclasses.replace(settings, gates=(Gate("test", command, 60),))
    path.write_text(rig_toml_text(gated))
    town.forget_rigs()


def queued_mr(runner: TownRunner, town: Town, title: str, scratch: Path,
              source_issue: str | None = None) -> tuple[str, str]:  # fmt: skip
    """(bead, MR): a bead whose branch adds one file, handed to the refinery."""
    bead = source_issue or create_bead(runner, title)
    branch = f"polecat/nux/{bead}"
    commit_branch(runner, "demo", branch, {f"{bead}.txt": title + "\n"}, scratch)
    return bead, file_merge_request(town, "demo", bead, branch)


def record(town: Town, bead_id: str) -> dict[str, Any]:
    town.store.projection.catch_up()
    found = town.store.get(bead_id)
    assert found is not None
    return found


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
