"""`gt demo`: a small town that works without an API key — a sample repository as a rig, four
beads (the last waits for the other three), sim workers doing them in tmux panes, the Refinery
landing their work on main and the daemon handing out the fourth once it is unblocked.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from gastown_tui.core import events as ev
from gastown_tui.core.rig_settings import Gate
from gastown_tui.runtime.git_repo import commit_paths, init_repository
from gastown_tui.town.setup import rigs
from gastown_tui.town.setup.install import install_town
from gastown_tui.town.setup.town_sessions import bring_up
from gastown_tui.town.town import Town
from gastown_tui.town.town_git import commit_identity
from gastown_tui.town.work.sling import sling

SAMPLE_FILES = {
    "README.md": (
        "# demo-app\n\nA tiny project for the Gas Town demo.\n\n"
        "Run its tests with `python3 -m unittest`.\n"
    ),
    "greeting.py": 'def greet(name: str) -> str:\n    return f"Hello, {name}!"\n',
    # unittest, not pytest: the gate must run on a fresh machine's python3, which has no pytest.
    "test_greeting.py": (
        "import unittest\n\nfrom greeting import greet\n\n\n"
        "class GreetTest(unittest.TestCase):\n"
        "    def test_greets_by_name(self):\n"
        '        self.assertEqual(greet("town"), "Hello, town!")\n\n'
        "    def test_keeps_the_name_as_given(self):\n"
        '        self.assertEqual(greet("Rig 7"), "Hello, Rig 7!")\n'
    ),
}
# The demo rig's gate: its real tests, with the standard library alone.
DEMO_GATES = {"test": Gate("test", "python3 -m unittest -q", 120)}

DEMO_BEADS = (
    ("Add a farewell() next to greet()", 1),
    ("Document the greeting module", 2),
    ("Teach greet() to handle an empty name", 2),
    ("Release 0.2 once the greeting work lands", 3),
)


@dataclass(frozen=True)
class DemoTown:
    root: Path
    rig: str
    beads: list[str]
    slung: list[str]
    socket: str


def make_sample_repository(folder: Path, actor: str) -> Path:
    init_repository(folder)
    for name, text in SAMPLE_FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    commit_paths(folder, sorted(SAMPLE_FILES), "demo-app: first commit",
                 commit_identity(folder, actor))  # fmt: skip
    return folder


def build_demo_town(directory: Path, step_delay: float, actor: str = "overseer") -> DemoTown:
    paths = install_town(directory / "town", "demo", "demo", actor)
    # The demo shows the whole loop: when the first three land, the daemon gives the fourth
    # (unblocked by then) to an idle polecat by itself.
    settings = paths.town_toml.read_text(encoding="utf-8")
    paths.town_toml.write_text(settings.replace("auto_dispatch = false", "auto_dispatch = true"),
                               encoding="utf-8")  # fmt: skip
    source = make_sample_repository(directory / "demo-app", actor)
    town = Town.find(directory / "town")
    try:
        rigs.add_rig(town, "demo-app", str(source), prefix="app", gates=DEMO_GATES,
                     runtime="sim", actor=actor)  # fmt: skip
        created: list[str] = []
        with town.store.transaction(actor) as tx:
            for title, priority in DEMO_BEADS:
                bead = tx.new_id(title, prefix="app")
                ts = tx.stamp()
                record = {"id": bead, "title": title, "status": "open", "priority": priority,
                          "issue_type": "task", "created_at": ts, "created_by": actor,
                          "updated_at": ts, "metadata": {"rig": "demo-app"}}  # fmt: skip
                if created and len(created) == len(DEMO_BEADS) - 1:
                    record["dependencies"] = [
                        {"issue_id": bead, "depends_on_id": blocker, "type": "blocks",
                         "created_at": ts, "created_by": actor} for blocker in created
                    ]  # fmt: skip
                tx.emit(ev.CREATE, bead, {"record": record}, ts)
                created.append(bead)
        slung = []
        for bead in created[:3]:
            sling(town, bead, "demo-app", formula="mol-polecat-work",
                  variables={"sim.step_delay": f"{step_delay:g}"}, runtime="sim", force=False,
                  actor=actor)  # fmt: skip
            slung.append(bead)
        bring_up(town)
        return DemoTown(town.paths.root, "demo-app", created, slung, town.tmux.socket)
    finally:
        town.close()


def git_available() -> bool:
    try:
        subprocess.run(["git", "--version"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True
