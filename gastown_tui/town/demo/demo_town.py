"""`gt demo`: a live town that works without an API key.

Two sample repositories become rigs whose real tests run in the Refinery's gates. Six sim
polecats (three per rig) take beads through their molecules: most land after a green gate, two
edit the same line of a README (the second to merge conflicts, is sent back and lands after its
rework), two ask for help (HELP escalations for the operator), and a release bead waits for the
others until the daemon hands it out. A convoy tracks the work across both rigs.
"""

from __future__ import annotations

import random
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from gastown_tui.core import events as ev
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.demo.demo_rigs import DEMO_GATES, SAMPLE_RIGS, make_sample_repository
from gastown_tui.town.setup import rigs
from gastown_tui.town.setup.install import install_town
from gastown_tui.town.setup.town_sessions import bring_up
from gastown_tui.town.town import Town
from gastown_tui.town.work.sling import sling


@dataclass(frozen=True)
class DemoBead:
    key: str
    rig: str
    title: str
    priority: int
    mode: str = "ok"  # the sim worker's sim.mode
    edit: str | None = None  # sim.edit=PATH:LINE:TEXT
    after: str | None = None  # queued on the hook of the polecat that took this bead
    needs: tuple[str, ...] = ()  # open until these close; the daemon hands it out then
    convoy: bool = True


DEMO_BEADS = (
    DemoBead("farewell", "demo-app", "Add a farewell() next to greet()", 1),
    DemoBead("app-title", "demo-app", "Name the project in the README's title", 2,
             edit="README.md:1:# demo-app: greetings for every town"),
    DemoBead("app-release-title", "demo-app", "Retitle the README for the 0.2 release", 2,
             edit="README.md:1:# demo-app 0.2"),
    DemoBead("docs", "demo-app", "Document the greeting module", 2, after="farewell"),
    DemoBead("subtract", "demo-lib", "Add subtract() to calc", 1),
    DemoBead("lib-readme", "demo-lib", "Describe calc's functions in the README", 2),
    DemoBead("overflow", "demo-lib", "Decide how calc should treat huge numbers", 1,
             mode="help", convoy=False),
    DemoBead("multiply", "demo-lib", "Add multiply() to calc", 2, after="subtract"),
    DemoBead("empty-name", "demo-app", "Decide what greet() says to an empty name", 3,
             mode="help", after="docs", convoy=False),
    DemoBead("release", "demo-app", "Release 0.2 once the greeting work lands", 3,
             needs=("farewell", "docs", "app-title", "app-release-title")),
)  # fmt: skip
CONVOY_NAME = "Release 0.2"
DEMO_SEED = 20261203


@dataclass(frozen=True)
class DemoTown:
    root: Path
    rigs: list[str]
    beads: dict[str, str]  # DemoBead.key -> bead id
    slung: list[str]
    convoy: str
    socket: str
    polecats: list[str] = field(default_factory=list)


def build_demo_town(directory: Path, step_delay: float, actor: str = "overseer") -> DemoTown:
    """Install the demo town in `directory/town`, slinging its work and starting its daemon and
    Refineries; the sim workers start at once."""
    paths = install_town(directory / "town", "demo", "demo", actor)
    # The daemon hands out work that becomes ready (the release bead) by itself.
    settings = paths.town_toml.read_text(encoding="utf-8")
    paths.town_toml.write_text(settings.replace("auto_dispatch = false", "auto_dispatch = true"),
                               encoding="utf-8")  # fmt: skip
    # Seeded: the demo's beads get the same ids every time, so the README can name them.
    town = Town.find(directory / "town", rng=random.Random(DEMO_SEED))
    try:
        for sample in SAMPLE_RIGS:
            source = make_sample_repository(directory / sample.name, actor, sample)
            rigs.add_rig(town, sample.name, str(source), prefix=sample.prefix, gates=DEMO_GATES,
                         runtime="sim", actor=actor)  # fmt: skip
        ids = _create_beads(town, actor)
        convoy = _create_convoy(town, [ids[b.key] for b in DEMO_BEADS if b.convoy], actor)
        slung, polecats = _sling_work(town, ids, step_delay, actor)
        bring_up(town)
        return DemoTown(town.paths.root, [s.name for s in SAMPLE_RIGS], ids, slung, convoy,
                        town.tmux.socket, polecats)  # fmt: skip
    finally:
        town.close()


def _create_beads(town: Town, actor: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    prefixes = {sample.name: sample.prefix for sample in SAMPLE_RIGS}
    with write_transaction(town.store, actor) as tx:
        for bead in DEMO_BEADS:
            bead_id = tx.new_id(bead.title, prefix=prefixes[bead.rig])
            ts = tx.stamp()
            record = {"id": bead_id, "title": bead.title, "status": "open",
                      "priority": bead.priority, "issue_type": "task", "created_at": ts,
                      "created_by": actor, "updated_at": ts,
                      "metadata": {"rig": bead.rig}}  # fmt: skip
            if bead.needs:
                record["dependencies"] = [
                    {"issue_id": bead_id, "depends_on_id": ids[need], "type": "blocks",
                     "created_at": ts, "created_by": actor} for need in bead.needs
                ]  # fmt: skip
            tx.emit(ev.CREATE, bead_id, {"record": record}, ts)
            ids[bead.key] = bead_id
    return ids


def _create_convoy(town: Town, members: list[str], actor: str) -> str:
    """A convoy bead tracking the demo's work across both rigs (its progress bar fills as they
    land)."""
    with write_transaction(town.store, actor) as tx:
        convoy = tx.new_id(CONVOY_NAME, prefix="hq")
        ts = tx.stamp()
        record = {"id": convoy, "title": CONVOY_NAME, "status": "open", "priority": 2,
                  "issue_type": "convoy", "created_at": ts, "created_by": actor,
                  "updated_at": ts}  # fmt: skip
        tx.emit(ev.CREATE, convoy, {"record": record}, ts)
        for member in members:
            edge = {"issue_id": convoy, "depends_on_id": member, "type": "tracks",
                    "created_at": ts, "created_by": actor}  # fmt: skip
            tx.emit(ev.DEP_ADD, convoy, {"dependency": edge}, ts)
    return convoy


def _sling_work(
    town: Town, ids: dict[str, str], step_delay: float, actor: str
) -> tuple[list[str], list[str]]:
    """Sling every bead that needs nothing: one fresh polecat each, or onto the hook of the
    polecat named by `after` (queued work). Returns the beads slung and the polecats."""
    polecat_of: dict[str, str] = {}
    slung: list[str] = []
    for bead in DEMO_BEADS:
        if bead.needs:
            continue
        variables = {"sim.step_delay": f"{step_delay:g}", "sim.mode": bead.mode}
        if bead.edit:
            variables["sim.edit"] = bead.edit
        target = bead.rig if bead.after is None else f"{bead.rig}/{polecat_of[bead.after]}"
        result = sling(town, ids[bead.key], target, formula="mol-polecat-work",
                       variables=variables, runtime="sim", force=False, actor=actor)  # fmt: skip
        polecat_of[bead.key] = result.polecat
        slung.append(ids[bead.key])
    polecats = sorted({f"{b.rig}/{polecat_of[b.key]}" for b in DEMO_BEADS if b.key in polecat_of})
    return slung, polecats


def git_available() -> bool:
    try:
        subprocess.run(["git", "--version"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True
