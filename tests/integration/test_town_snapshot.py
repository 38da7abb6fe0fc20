"""`town_snapshot()`: the control room's read model, on a real town (real tmux, git, SQLite).

Every degraded source — tmux down, the log unreadable, the projection being rebuilt by another
process — becomes a field that says so, never an exception and never an empty "all clear".
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from engine_town import new_bead

from gastown_tui.core import events as ev
from gastown_tui.store.file_lock import exclusive_lock
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.comms.escalations import create_escalation
from gastown_tui.town.read_model.details import bead_detail, molecule_view
from gastown_tui.town.read_model.snapshot import town_snapshot
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.town import Town
from gastown_tui.town.work.sling import sling

HANG = {"sim.mode": "hang"}


def _merge_request(town: Town, rig: str, bead: str, state: str, submitted: str) -> str:
    return new_bead(
        town,
        f"Merge {bead}",
        rig,
        issue_type="merge-request",
        metadata={
            "rig": rig,
            "source_issue": bead,
            "state": state,
            "worker": f"{rig}/polecats/x",
            "branch": f"polecat/x/{bead}",
            "attempt": 1,
            "submitted_at": submitted,
        },
    )


def _busy_town(engine_town_factory: Callable[..., Town]) -> tuple[Town, dict[str, str]]:
    town = engine_town_factory(rigs=("demo", "web"))
    ids = {
        "work": new_bead(town, "Fix [bold]login[/] redirect", "demo"),
        "queued": new_bead(town, "Queued behind it", "demo"),
        "web": new_bead(town, "Web task", "web"),
    }
    slung = sling(
        town,
        ids["work"],
        "demo",
        formula="mol-polecat-work",
        variables=HANG,
        runtime=None,
        force=False,
        actor="overseer",
    )
    ids["polecat"] = slung.agent
    sling(
        town,
        ids["queued"],
        slung.agent.replace("/polecats", ""),
        formula="mol-polecat-work",
        variables=HANG,
        runtime=None,
        force=False,
        actor="overseer",
    )
    ids["mr1"] = _merge_request(town, "web", ids["web"], "queued", "2030-01-01T00:00:00Z")
    ids["mr2"] = _merge_request(town, "web", ids["web"], "testing", "2030-01-01T00:01:00Z")
    with write_transaction(town.store, "demo/polecats/x") as tx:
        ids["help"] = create_escalation(
            tx, town, "HIGH", "Tests need a database", ids["work"], "restarted twice"
        )
    convoy = new_bead(town, "Auth overhaul", "demo", issue_type="convoy")
    with write_transaction(town.store, "overseer") as tx:
        for member in (ids["work"], ids["web"]):
            tx.emit(
                ev.DEP_ADD,
                convoy,
                {"dependency": {"issue_id": convoy, "depends_on_id": member, "type": "tracks"}},
            )
    ids["convoy"] = convoy
    return town, ids


def test_a_busy_town_reads_as_typed_views(engine_town_factory: Callable[..., Town]) -> None:
    town, ids = _busy_town(engine_town_factory)
    snapshot = town_snapshot(town)

    assert [s.name for s in snapshot.sources] == ["log", "projection", "tmux"]
    assert snapshot.degraded == ()
    assert [rig.name for rig in snapshot.rigs] == ["demo", "web"]
    polecat = snapshot.polecat(ids["polecat"])
    assert polecat is not None
    assert polecat.state == "working"
    assert polecat.session == polecat_session("de", polecat.name)
    assert [item.id for item in polecat.hook] == [ids["work"], ids["queued"]]
    assert polecat.current is not None and polecat.current.id == ids["work"]
    assert polecat.hook[0].title == "Fix [bold]login[/] redirect"  # kept as text, verbatim
    assert snapshot.counts.working == 1

    waiting = [mr for mr in snapshot.merge_requests if mr.position is not None]
    assert [(mr.id, mr.position, mr.state) for mr in waiting] == [
        (ids["mr1"], 1, "queued"),
        (ids["mr2"], 2, "testing"),
    ]
    assert waiting[0].bead_title == "Web task"
    assert snapshot.rigs[1].mq_length == 2 and snapshot.counts.mq_length == 2

    [help_view] = snapshot.escalations
    assert (help_view.id, help_view.severity, help_view.issue) == (ids["help"], "HIGH", ids["work"])
    assert (help_view.problem, help_view.tried) == ("Tests need a database", "restarted twice")
    assert not help_view.acknowledged and snapshot.counts.unacked_help == 1

    [convoy] = snapshot.convoys
    assert (convoy.id, convoy.closed, convoy.total, convoy.landed) == (ids["convoy"], 0, 2, False)
    assert snapshot.counts.convoys_in_flight == 1


def test_details_of_a_bead_and_of_a_polecats_molecule(
    engine_town_factory: Callable[..., Town],
) -> None:
    town, ids = _busy_town(engine_town_factory)
    detail = bead_detail(town.store, ids["work"])
    assert detail is not None
    assert detail.bead.title == "Fix [bold]login[/] redirect"
    assert [link.id for link in detail.dependents if link.dependency_type == "tracks"] == [
        ids["convoy"]
    ]
    assert [entry.op for entry in detail.history][:2] == ["create", "sling"]
    molecule = molecule_view(town.store, ids["work"])
    assert molecule is not None and molecule.formula == "mol-polecat-work"
    assert len(molecule.steps) >= 3
    assert {step.state for step in molecule.steps} <= {"done", "current", "ready", "blocked"}
    assert bead_detail(town.store, "de-nope") is None


def test_tmux_down_is_a_degraded_source_and_states_are_unknown(
    engine_town_factory: Callable[..., Town],
) -> None:
    town, ids = _busy_town(engine_town_factory)
    town.tmux.kill_server()
    snapshot = town_snapshot(town)
    [tmux] = snapshot.degraded
    assert tmux.name == "tmux" and "server down" in tmux.detail
    polecat = snapshot.polecat(ids["polecat"])
    assert polecat is not None and polecat.state == "unknown"
    assert snapshot.counts.working == 0 and snapshot.counts.unknown == 1
    assert snapshot.daemon_running is None and snapshot.rigs[0].refinery_running is None
    assert len(snapshot.escalations) == 1  # the rest still reads


def test_tmux_missing_is_a_degraded_source(engine_town_factory: Callable[..., Town]) -> None:
    town = engine_town_factory()
    town.environ["PATH"] = "/nonexistent"
    old_path = os.environ["PATH"]
    os.environ["PATH"] = "/nonexistent"
    try:
        snapshot = town_snapshot(town)
    finally:
        os.environ["PATH"] = old_path
    [tmux] = snapshot.degraded
    assert tmux.name == "tmux" and "unavailable" in tmux.detail


def test_an_unreadable_log_keeps_the_last_state_and_says_so(
    engine_town_factory: Callable[..., Town],
) -> None:
    town, ids = _busy_town(engine_town_factory)
    root = town.paths.root
    town.close()
    log = root / ".beads" / "events.jsonl"
    saved = log.read_bytes()
    log.unlink()
    log.mkdir()  # open() fails with IsADirectoryError, as an unreadable file would (even as root)
    try:
        again = Town(town.paths, clock=town.clock, environ=town.environ)
        snapshot = town_snapshot(again)
        [log_source] = snapshot.degraded
        assert log_source.name == "log" and log_source.detail.startswith("unreadable")
        assert snapshot.polecat(ids["polecat"]) is not None  # the projection as last read
        assert len(snapshot.escalations) == 1
        again.close()
        log.rmdir()
        snapshot = town_snapshot(Town(town.paths, clock=town.clock, environ=town.environ))
        assert snapshot.source("log") is not None
        assert [s.name for s in snapshot.degraded] == ["log"]  # missing now
        assert "missing" in snapshot.degraded[0].detail
    finally:
        if log.is_dir():
            log.rmdir()
        log.write_bytes(saved)


def test_a_rebuild_held_by_another_process_is_reported_not_waited_for(
    engine_town_factory: Callable[..., Town],
) -> None:
    town, ids = _busy_town(engine_town_factory)
    log = town.paths.beads / "events.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    town.close()
    # A git merge rewrote the log: the projection's last line is no longer at its offset.
    log.write_bytes(b"".join(lines[:-2]) + lines[-1] + lines[-2])
    holding, release = threading.Event(), threading.Event()

    def rebuild_elsewhere() -> None:
        with exclusive_lock(town.paths.beads / "events.lock"):
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=rebuild_elsewhere)
    holder.start()
    try:
        assert holding.wait(10)
        reader = Town(town.paths, clock=town.clock, environ=town.environ)
        snapshot = town_snapshot(reader)
        [projection] = snapshot.degraded
        assert projection.name == "projection" and "rebuilding" in projection.detail
        assert snapshot.polecat(ids["polecat"]) is not None  # the state before, not nothing
    finally:
        release.set()
        holder.join()
    snapshot = town_snapshot(reader)
    assert snapshot.degraded == ()
    reader.close()


def test_a_rig_whose_runtime_is_not_installed_is_a_warning(
    engine_town_factory: Callable[..., Town], tmp_path: Any
) -> None:
    from town_fixtures import make_source_repo

    from gastown_tui.town.setup.rigs import add_rig

    town = engine_town_factory()
    source = make_source_repo(tmp_path / "source-claude", town.environ)
    add_rig(town, "cl", str(source), prefix="cl", gates={}, runtime="claude", actor="overseer")
    town.environ["PATH"] = "/usr/bin:/bin"  # no `claude` here
    snapshot = town_snapshot(town)
    problems = {rig.name: rig.runtime_problem for rig in snapshot.rigs}
    assert problems["demo"] is None  # sim always runs
    assert problems["cl"] is not None and "`claude`, which is not on PATH" in problems["cl"]
    assert snapshot.warnings == (f"rig cl: {problems['cl']}",)
