"""The Idle Polecat Heresy (DESIGN §6): idle capacity in a rig while ready work waits.

Capacity = a resting polecat, a live session with an empty hook, or room under the rig's
`max_polecats`. Reported every tick it holds; with `auto_dispatch` on, the top ready bead is
slung to the rig (the sling picks the polecat resting longest, or spawns one).
"""

from __future__ import annotations

from typing import Any

from gastown_tui.core import record as rec
from gastown_tui.core.escalation_rules import NEEDS_HUMAN
from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.core.timestamps import format_ts
from gastown_tui.store.readiness import ready
from gastown_tui.town.agents import agents
from gastown_tui.town.hooks import hook_queue
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.supervision.patrol_tick import PatrolTick
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.sling import sling

ACTOR = "deacon"


def is_dispatchable(record: rec.Record) -> bool:
    """Work a polecat can be given: not a molecule's root or step, not waiting for a human."""
    labels = record.get("labels") or []
    metadata = rec.metadata_of(record)
    return not ("molecule" in labels or metadata.get("molecule") or NEEDS_HUMAN in labels
                or rec.type_of(record) == "epic")  # fmt: skip


def ready_work(town: Town, rig: RigSettings) -> list[rec.Record]:
    now = format_ts(town.clock.now())
    found = ready(town.store.connection, now)
    mine = []
    for record in found:
        owner = town.rig_of(record)
        if owner is not None and owner.name == rig.name and is_dispatchable(record):
            mine.append(record)
    return mine


def idle_capacity(town: Town, rig: RigSettings, tick: PatrolTick) -> list[str]:
    """Names of polecats with nothing on the hook; `+new` when the rig may spawn one more."""
    idle = []
    polecats = agents(town, rig=rig.name, role="polecat")
    for record in polecats:
        name = str(rec.metadata_of(record).get("name"))
        if not hook_queue(town.store.connection, f"{rig.name}/polecats/{name}"):
            pane = tick.sessions.get(polecat_session(rig.prefix, name))
            idle.append(name if pane is None or pane.dead else f"{name} (idle session)")
    if len(polecats) < rig.max_polecats:
        idle.append("+new")
    return idle


def dispatch_patrol(town: Town, tick: PatrolTick) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = []
    for rig in town.rigs().values():
        work = ready_work(town, rig)
        if not work:
            continue
        idle = idle_capacity(town, rig, tick)
        if not idle:
            continue
        finding: dict[str, Any] = {"heresy": "idle polecat", "rig": rig.name, "idle": idle,
                                   "ready": [r["id"] for r in work[:10]]}  # fmt: skip
        if town.settings.auto_dispatch:
            try:
                result = sling(town, work[0]["id"], rig.name, formula="mol-polecat-work",
                               variables={}, runtime=None, force=False, actor=ACTOR)  # fmt: skip
                finding.update({"action": "slung", "bead": result.bead, "agent": result.agent})
            except TownError as error:
                finding.update({"action": "sling failed", "error": str(error)})
        else:
            finding["action"] = "reported (auto_dispatch is off)"
        findings.append(finding)
    return findings
