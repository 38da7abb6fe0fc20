"""A gate that cannot start is no verdict on anyone's code (DESIGN §6): the rig's queue pauses
with one HIGH escalation naming the rig, the command and its output; nothing lands, nothing is
sent back, no bug is filed; `gt mq resume` or resolving the escalation restarts it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from refinery_town import main_head, queued_mr, quick_rig, record, set_gate
from town_fixtures import TownRunner

from gastown_tui.core import record as rec
from gastown_tui.town.comms.escalation_triage import resolve_escalation
from gastown_tui.town.comms.escalations import list_escalations
from gastown_tui.town.read_model.snapshot import town_snapshot
from gastown_tui.town.refinery.merger import Refinery
from gastown_tui.town.refinery.queue_pause import queue_pause
from gastown_tui.town.refinery.queue_runner import run_refinery
from gastown_tui.town.town import Town

__all__ = ["quick_rig"]


def refinery_once(town: Town) -> list[tuple[str, str]]:
    return [(o.mr, o.result) for o in run_refinery(Refinery(town, "demo"), once=True)]


@pytest.mark.parametrize(
    ("command", "timeout", "output"),
    [
        ("no-such-gate-program --check", 60, "not found"),  # exit 127
        ("/etc", 60, "Permission denied"),  # exit 126
        ("sleep 30", 1, "timed out"),  # on the change and on the target alike
    ],
)
def test_a_gate_that_cannot_start_pauses_the_queue_with_one_escalation(
    quick_rig: tuple[TownRunner, Town], tmp_path: Path, command: str, timeout: int, output: str
) -> None:
    runner, town = quick_rig
    set_gate(town, command, timeout)
    bead, mr = queued_mr(runner, town, "Waits for a working gate", tmp_path)
    before = main_head(runner)
    assert refinery_once(town) == [(mr, "paused")]
    assert refinery_once(town) == [], "a restarted refinery stays paused"
    assert main_head(runner) == before
    assert record(town, mr)["metadata"]["state"] == "queued"
    assert record(town, bead)["status"] == "in_progress"
    (escalation,) = list_escalations(town)
    metadata = rec.metadata_of(escalation)
    assert metadata["severity"] == "HIGH" and metadata["paused_queue"] == "demo"
    assert "rig demo" in escalation["title"] and metadata["command"] == command
    assert command in metadata["details"] and output in metadata["details"]
    pause = queue_pause(town, "demo")
    assert pause is not None and pause.escalation == escalation["id"] and pause.gate == "test"
    ops = {event["op"] for event in runner.events()}
    assert not ops & {"rework", "merged", "merge_failed"}
    assert runner.bd("list", "-t", "bug", "--json").json() == []


def test_gt_mq_resume_and_resolving_the_escalation_restart_the_queue(
    quick_rig: tuple[TownRunner, Town], tmp_path: Path
) -> None:
    runner, town = quick_rig
    set_gate(town, "no-such-gate-program")
    first_bead, first = queued_mr(runner, town, "First", tmp_path)
    assert refinery_once(town) == [(first, "paused")]
    assert "queue PAUSED" in runner.gt("mq", "list").stdout
    (rig,) = town_snapshot(town).rigs  # what the control room shows on the rig
    assert rig.queue_paused is not None and "no-such-gate-program" in rig.queue_paused
    set_gate(town, "true")  # the operator installs the program
    resumed = runner.gt("mq", "resume", "demo", "--json").json()
    assert resumed["rig"] == "demo" and len(resumed["resolved"]) == 1
    assert queue_pause(town, "demo") is None
    assert town_snapshot(town).rigs[0].queue_paused is None
    again = runner.gt("mq", "resume", "demo", check=False)
    assert again.returncode == 1 and "not paused" in again.stderr
    assert refinery_once(town) == [(first, "merged")]
    assert record(town, first_bead)["status"] == "closed"
    # Paused again; this time the operator resolves the escalation (control room, gt escalate).
    set_gate(town, "no-such-gate-program")
    _, second = queued_mr(runner, town, "Second", tmp_path)
    assert refinery_once(town) == [(second, "paused")]
    pause = queue_pause(town, "demo")
    assert pause is not None
    set_gate(town, "true")
    resolve_escalation(town, pause.escalation, "overseer", "installed the gate's program")
    assert refinery_once(town) == [(second, "merged")]
