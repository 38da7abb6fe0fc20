"""A town staged for the control room's tests: every panel has something to show, and the same
ids, times and pane texts every run (fixed clock, seeded randomness, panes that print a fixed
text). Real tmux, real git, real SQLite; the state is written through the engine's store.

The clock is fixed at 2026-01-01, before any real pane activity, so every live session reads as
working with progress "<1m" ago: ages never depend on how fast the machine is.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from engine_town import OVERSEER, start_fixed_session
from textual.pilot import Pilot
from town_fixtures import make_source_repo

from gastown_tui.core import events as ev
from gastown_tui.core.clock import FixedClock
from gastown_tui.core.formula_cook import cook
from gastown_tui.runtime.tmux_server import wait_until
from gastown_tui.store.formula_library import library_for
from gastown_tui.store.molecule_pour import pour_molecule
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.agents import create_agent
from gastown_tui.town.comms.escalations import create_escalation
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.setup.install import install_town
from gastown_tui.town.setup.rigs import add_rig
from gastown_tui.town.town import Town
from gastown_tui.town.town_paths import TownPaths
from gastown_tui.ui.app import ControlRoomApp
from gastown_tui.ui.engine_session import EngineSession

HOSTILE_TITLE = "Fix [bold]login[/] \x1b[31mredirect\x1b[0m $(rm -rf ~) C-c"
PANE_TEXT = "$ pytest -q tests/test_login.py\n....F.\n[red]FAILED[/red] test_redirect"


@dataclass
class StagedTown:
    town: Town
    env: dict[str, str]
    ids: dict[str, str]
    clock: FixedClock

    def app(self, settings: Path, **options: Any) -> ControlRoomApp:
        session = EngineSession(self.town.paths.root, dict(self.env), self.clock)
        return ControlRoomApp(session, settings_file=settings, source_label="~/gt", **options)

    def events(self, op: str) -> list[dict[str, Any]]:
        import json

        log = self.town.paths.beads / "events.jsonl"
        lines = log.read_bytes().splitlines()
        return [e for e in (json.loads(line) for line in lines if line.strip()) if e["op"] == op]


def _bead(tx: Any, bead_id: str, title: str, rig: str, **extra: Any) -> None:
    ts = tx.stamp()
    record = {
        "id": bead_id,
        "title": title,
        "status": "open",
        "priority": 1,
        "issue_type": "task",
        "created_at": ts,
        "updated_at": ts,
        "metadata": {"rig": rig},
    }
    metadata = extra.pop("metadata", {})
    record.update(extra)
    record["metadata"] = {**record["metadata"], **metadata}  # type: ignore[dict-item]
    tx.emit(ev.CREATE, bead_id, {"record": record}, ts)


def stage_town(tmp_path: Path, env: dict[str, str], *, hostile: bool = False) -> StagedTown:
    clock = FixedClock()
    root = tmp_path / "town"
    install_town(root, "gastown", "test", OVERSEER)
    town = Town(TownPaths(root), clock=clock, rng=random.Random(7), environ=env)
    for name, prefix in (("gastown", "ga"), ("beads", "be")):
        source = make_source_repo(tmp_path / f"source-{name}", env)
        add_rig(town, name, str(source), prefix=prefix, gates={}, runtime="sim", actor=OVERSEER)
    gastown, beads = town.rig("gastown"), town.rig("beads")
    ids = {
        "work": "ga-a1b2",
        "queued": "ga-c3d4",
        "zombie_work": "ga-77",
        "spawn_work": "ga-12",
        "ready": "ga-r1",
        "ready2": "be-r2",
        "mr_ok": "ga-mr1",
        "mr_bad": "be-mr2",
        "convoy": "hq-cv1",
        "stranded": "hq-cv2",
    }
    title = HOSTILE_TITLE if hostile else "Fix login redirect"
    library = library_for(town.paths.beads, town.paths.root)
    proto = cook(
        library.load("mol-polecat-work"),
        {"issue": ids["work"], "target": "main"},
        resolve=library.load,
    )
    with write_transaction(town.store, OVERSEER) as tx:
        polecats = {}
        for rig, name in (
            (gastown, "nux"),
            (gastown, "furiosa"),
            (gastown, "slit"),
            (beads, "toast"),
        ):
            polecats[name] = create_agent(tx, rig, name, "polecat", "sim")["metadata"]["address"]
        _bead(tx, ids["work"], title, "gastown")
        _bead(tx, ids["queued"], "Write the release notes", "gastown", priority=2)
        _bead(tx, ids["zombie_work"], "Flaky websocket reconnect", "gastown")
        _bead(tx, ids["spawn_work"], "Unclear spec for exports", "beads")
        _bead(tx, ids["ready"], "Add a farewell() next to greet()", "gastown", priority=2)
        _bead(tx, ids["ready2"], "Document the greeting module", "beads", priority=3)
        poured = pour_molecule(
            tx,
            proto,
            wisp=False,
            assignee=polecats["nux"],
            extra_metadata={"issue": ids["work"], "rig": "gastown"},
            prefix="ga",
        )
        sessions = {
            "nux": polecat_session("ga", "nux"),
            "furiosa": polecat_session("ga", "furiosa"),
        }
        for bead, name, session in (
            (ids["work"], "nux", sessions["nux"]),
            (ids["queued"], "nux", None),
            (ids["zombie_work"], "furiosa", sessions["furiosa"]),
            (ids["spawn_work"], "toast", None),
        ):
            metadata: dict[str, Any] = {"session": session, "slung_at": tx.stamp()}
            if bead == ids["work"]:
                metadata["molecule"] = poured.root
            tx.emit(
                "sling",
                bead,
                {"set": {"status": "hooked", "assignee": polecats[name]}, "metadata": metadata},
            )
        first_step = poured.steps[0][1]
        tx.emit(ev.CLOSE, first_step, {"set": {"status": "closed", "close_reason": "done"}})
        tx.emit(ev.UPDATE, poured.steps[1][1], {"set": {"status": "in_progress"}})
        for mr, rig, bead, state, extra in (
            (ids["mr_ok"], "gastown", ids["ready"], "queued", {}),
            (ids["mr_bad"], "beads", ids["ready2"], "failed", {"error": "gate test: 1 failed"}),
        ):
            _bead(
                tx,
                mr,
                f"Merge {bead}",
                rig,
                issue_type="merge-request",
                metadata={
                    "state": state,
                    "source_issue": bead,
                    "worker": polecats["toast"],
                    "branch": f"polecat/toast/{bead}",
                    "attempt": 2,
                    "submitted_at": tx.stamp(),
                    **extra,
                },
            )
        ids["help"] = create_escalation(
            tx,
            town,
            "HIGH",
            "Tests need a database I cannot reach",
            ids["work"],
            "restarted the container twice",
            agent=polecats["nux"],
        )
        ids["question"] = create_escalation(
            tx,
            town,
            "LOW",
            "Which date format for exports?",
            ids["spawn_work"],
            "",
            agent=polecats["toast"],
        )
        for convoy, name, members, stranded in (
            (ids["convoy"], "Auth overhaul", [ids["work"], ids["ready2"]], False),
            (ids["stranded"], "Release 1.2", [ids["ready"]], True),
        ):
            _bead(tx, convoy, name, "gastown", issue_type="convoy", metadata={"stranded": stranded})
            for member in members:
                tx.emit(
                    ev.DEP_ADD,
                    convoy,
                    {"dependency": {"issue_id": convoy, "depends_on_id": member, "type": "tracks"}},
                )
    ids.update(polecats)
    start_fixed_session(town, sessions["nux"], PANE_TEXT)
    town.tmux.new_session(
        sessions["furiosa"],
        str(root),
        {"PATH": env["PATH"]},
        ["sh", "-c", "echo crashed; sleep 0.3; exit 3"],
    )
    wait_until(
        lambda: any(p.dead for p in town.tmux.panes() or [] if p.session == sessions["furiosa"]), 10
    )  # a dead pane: a zombie
    return StagedTown(town, env, ids, clock)


StageFactory = Callable[..., StagedTown]


def screen_text(app: Any) -> str:
    """The screen as plain text, as a terminal would show it (what export_screenshot draws)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


@pytest.fixture
def staged(tmp_path: Path, engine_env: dict[str, str]) -> Iterator[StagedTown]:
    """The staged town of the control room's tests."""
    staged = stage_town(tmp_path, engine_env)
    yield staged
    staged.town.tmux.kill_server()
    staged.town.close()


@pytest.fixture
def hostile(tmp_path: Path, engine_env: dict[str, str]) -> Iterator[StagedTown]:
    """The same town with a hostile title (markup, ANSI, shell and tmux key names)."""
    staged = stage_town(tmp_path, engine_env, hostile=True)
    yield staged
    staged.town.tmux.kill_server()
    staged.town.close()


async def until(pilot: Pilot[Any], check: Any, what: str, timeout: float = 20.0) -> None:
    """Let the app run until `check()` holds (the follower and workers are real threads)."""
    waited = 0.0
    while not check():
        await pilot.pause(0.05)
        waited += 0.05
        if waited > timeout:
            raise AssertionError(f"timed out waiting for {what}")


async def ready(pilot: Pilot[Any]) -> ControlRoomApp:
    app = pilot.app
    assert isinstance(app, ControlRoomApp)
    await until(pilot, lambda: app.snapshot is not None, "the first snapshot")
    return app
