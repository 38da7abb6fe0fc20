"""The demo rig's gate runs real tests with what a fresh machine has (`python3` without pytest):
a change that breaks the demo's code goes red and is sent back; a sound one lands.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from refinery_town import commit_branch, file_merge_request, in_process_town, record
from town_fixtures import TownRunner, create_bead

from gastown_tui.town.demo.demo_rigs import DEMO_GATES, make_sample_repository
from gastown_tui.town.refinery.merger import Refinery
from gastown_tui.town.refinery.queue_runner import run_refinery
from gastown_tui.town.setup.rigs import add_rig

BROKEN_GREETING = 'def greet(name: str) -> str:\n    return f"Hi {name}"\n'


def fresh_machine_python(folder: Path) -> Path:
    """A `bin/` whose `python3` sees the standard library only (no site-packages: no pytest)."""
    folder.mkdir()
    python = folder / "python3"
    python.write_text(f'#!/bin/sh\nexec {os.path.realpath(sys.executable)} -S "$@"\n')
    python.chmod(0o755)
    return folder


def test_a_broken_demo_change_goes_red_and_a_sound_one_lands(
    town_factory: Callable[..., TownRunner], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = town_factory()
    python_bin = fresh_machine_python(tmp_path / "fresh-bin")
    environ = {**runner.env, "PATH": f"{python_bin}{os.pathsep}/usr/bin{os.pathsep}/bin"}
    town = in_process_town(runner, monkeypatch, environ)
    try:
        source = make_sample_repository(tmp_path / "demo-app", "overseer")
        add_rig(town, "demo-app", str(source), prefix="app", gates=DEMO_GATES, runtime="sim",
                actor="overseer")  # fmt: skip
        beads = {}
        for name, files in (("sound", {"farewell.py": "def farewell():\n    return 'Bye'\n"}),
                            ("broken", {"greeting.py": BROKEN_GREETING})):  # fmt: skip
            bead = create_bead(runner, f"A {name} change", rig="demo-app")
            branch = f"polecat/nux/{bead}"
            commit_branch(runner, "demo-app", branch, files, tmp_path)
            beads[name] = (bead, file_merge_request(town, "demo-app", bead, branch))
        outcomes = {o.mr: o for o in run_refinery(Refinery(town, "demo-app"), once=True)}
        sound, broken = beads["sound"], beads["broken"]
        assert outcomes[sound[1]].result == "merged" and outcomes[sound[1]].bugs == []
        assert outcomes[broken[1]].result == "failed" and outcomes[broken[1]].detail == "gate test"
        repository = runner.root / "rigs" / "demo-app" / "repo.git"
        assert runner.git(repository, "show", "main:greeting.py") == (
            'def greet(name: str) -> str:\n    return f"Hello, {name}!"'
        )
        assert record(town, broken[0])["status"] == "hooked", "sent back for rework"
        (rework,) = [e for e in runner.events() if e["op"] == "rework"]
        assert rework["bead"] == broken[0] and rework["data"]["failure_type"] == "tests"
        (request,) = [m for m in runner.bd("list", "--all", "-t", "message", "--json").json()
                      if "msg-type:REWORK_REQUEST" in m["labels"]]  # fmt: skip
        assert "Hello, town!" in request["description"], "the failing assertion, for the worker"
    finally:
        town.close()
