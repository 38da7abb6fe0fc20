"""A generated history for CV tests and benchmarks: seeded tasks, written as a real Beads log.

`generate_specs` decides what happened (who was hooked to what, when, how many reworks, how it
ended); `write_history` turns that into the events the engine writes (create, sling,
session_start, rework, merge_failed, done, merged, session_end, unhook, patrol noise) in a town
directory. The test computes its expectations from the specs alone, never from the engine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from gastown_tui.core.clock import FixedClock
from gastown_tui.core.events import make_event
from gastown_tui.core.ids import new_ulid
from gastown_tui.core.timestamps import format_ts
from gastown_tui.core.town_settings import town_toml_text
from gastown_tui.store import json_codec
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.town.town import Town
from gastown_tui.town.town_paths import TownPaths

NOW = datetime(2030, 1, 31, 0, 0, 0, tzinfo=UTC)
START = datetime(2030, 1, 1, 0, 0, 0, tzinfo=UTC)
RIGS = ("alpha", "beta", "gamma")
LABELS = ("lang:go", "lang:py", "area:ui", "area:db", "area:api")
MODELS = (("claude", "claude-opus-4"), ("claude", "claude-sonnet-4"), ("builtin", "claude-haiku-4"),
          ("sim", "claude-sonnet-4"))  # fmt: skip
UNTRIED = "gamma/polecats/rookie"


@dataclass
class Spec:
    agent: str
    bead: str
    rig: str
    runtime: str
    model: str
    labels: tuple[str, ...]
    hooked: int  # epoch seconds
    end: int | None
    outcome: str  # landed, respawn-limit, rework-limit, released, open, taken-over
    reworks: int
    reasons: list[str] = field(default_factory=list)

    @property
    def model_label(self) -> str:
        return self.model if self.runtime in ("claude", "builtin") else self.runtime


def agents(count: int = 30) -> list[tuple[str, str, str, str]]:
    """(address, rig, runtime, model) of each agent."""
    found = []
    for n in range(count):
        rig = RIGS[n % len(RIGS)]
        runtime, model = MODELS[(n // len(RIGS)) % len(MODELS)]
        found.append((f"{rig}/polecats/p{n:02d}", rig, runtime, model))
    return found


def generate_specs(seed: int = 14, tasks: int = 2000, count: int = 30) -> list[Spec]:
    rng = random.Random(seed)
    people = agents(count)
    start, span = int(START.timestamp()), int((NOW - START).total_seconds()) - 2 * 86400
    specs: list[Spec] = []
    n = 0
    while len(specs) < tasks:
        agent, rig, runtime, model = rng.choice(people)
        labels = tuple(sorted(rng.sample(LABELS, rng.choice((0, 1, 1, 2)))))
        hooked = start + rng.randrange(span)
        duration = rng.randrange(600, 36000)
        bead = f"{rig[:2]}-t{n:05d}"
        n += 1
        roll = rng.random()
        reworks = rng.choice((0, 0, 0, 0, 1, 1, 2))
        if roll < 0.70:
            outcome = "landed"
        elif roll < 0.78:
            outcome = "respawn-limit"
        elif roll < 0.83:
            outcome, reworks = "rework-limit", max(reworks, 1)
        elif roll < 0.88:
            outcome = "released"
        elif roll < 0.93 and len(specs) < tasks - 1:
            outcome = "taken-over"
        else:
            outcome, duration = "open", 0
        reasons = [rng.choice(("tests", "conflict")) for _ in range(reworks)]
        end = hooked + duration if duration else None
        first = Spec(agent, bead, rig, runtime, model, labels, hooked, end, outcome, reworks,
                     reasons)  # fmt: skip
        specs.append(first)
        if outcome == "taken-over":  # another agent of the same rig finishes it
            first.reworks, first.reasons = 0, []
            other = rng.choice([p for p in people if p[1] == rig and p[0] != agent])
            assert first.end is not None
            specs.append(Spec(other[0], bead, rig, other[2], other[3], labels, first.end,
                              first.end + rng.randrange(600, 7200), "landed", 0))  # fmt: skip
    return specs[:tasks]


def _events(specs: list[Spec]) -> list[tuple[int, str, str, str, dict[str, object]]]:
    """(second, actor, op, bead, data) of everything that happened, unsorted."""
    found: list[tuple[int, str, str, str, dict[str, object]]] = []
    created: set[str] = set()
    early = int(START.timestamp()) - 7200
    people = [*agents(), (UNTRIED, "gamma", "claude", "claude-opus-4")]
    for address, rig, runtime, model in people:
        record = _agent(address, rig, address.rsplit("/", 1)[-1], runtime, model)
        found.append((early, "overseer", "create", str(record["id"]), {"record": record}))
    for spec in specs:
        if spec.bead not in created:
            created.add(spec.bead)
            record = {"id": spec.bead, "title": f"Task {spec.bead}", "status": "open",
                      "priority": 2, "issue_type": "task", "labels": list(spec.labels),
                      "metadata": {"rig": spec.rig}}  # fmt: skip
            found.append((spec.hooked - 60, "overseer", "create", spec.bead, {"record": record}))
        sling = {"agent": spec.agent, "rig": spec.rig, "runtime": spec.runtime,
                 "model": spec.model, "formula": "mol-polecat-work", "attempt": 1}  # fmt: skip
        found.append((spec.hooked, "overseer", "sling", spec.bead, sling))
        found.append((spec.hooked + 1, "deacon", "session_start", spec.bead,
                      {"agent": spec.agent, "bead": spec.bead, "session": "s"}))  # fmt: skip
        found.append((spec.hooked + 2, "deacon", "patrol", "", {"patrol": "deacon", "tick": 1}))
        if spec.end is None:
            continue
        step = (spec.end - spec.hooked) // (spec.reworks + 2)
        for index, reason in enumerate(spec.reasons):
            at = spec.hooked + step * (index + 1)
            facts = {"mr": f"{spec.bead}-mr{index}", "bead": spec.bead, "agent": spec.agent,
                     "failure_type": reason}  # fmt: skip
            refused = spec.outcome == "rework-limit" and index == len(spec.reasons) - 1
            if refused:
                continue  # the last one is the refusal at the end
            found.append((at, "alpha/refinery", "rework", spec.bead, facts))
            found.append((at, "alpha/refinery", "merge_failed", facts["mr"], facts))
        end_facts = {"bead": spec.bead, "agent": spec.agent}
        if spec.outcome == "landed":
            mr = f"{spec.bead}-mr"
            found.append((spec.end - 30, spec.agent, "done", spec.bead, {**end_facts, "mr": mr}))
            found.append((spec.end, "alpha/refinery", "merged", mr, {**end_facts, "mr": mr}))
        elif spec.outcome == "respawn-limit":
            found.append((spec.end, "deacon", "session_end", spec.bead,
                          {**end_facts, "reason": "respawn limit: 3 respawns"}))  # fmt: skip
        elif spec.outcome == "rework-limit":
            found.append((spec.end, "alpha/refinery", "merge_failed", f"{spec.bead}-mrx",
                          {**end_facts, "failure_type": spec.reasons[-1],
                           "rework_refused": True}))  # fmt: skip
        elif spec.outcome == "released":
            found.append((spec.end, "overseer", "unhook", spec.bead,
                          {**end_facts, "reason": "polecat nuked"}))  # fmt: skip
    return found


def _agent(address: str, rig: str, name: str, runtime: str, model: str) -> dict[str, object]:
    return {"id": f"{rig[:2]}-agent-{name}", "title": f"polecat {address}", "status": "open",
            "priority": 2, "issue_type": "agent",
            "metadata": {"role": "polecat", "rig": rig, "name": name, "address": address,
                         "runtime": runtime, "model": model}}  # fmt: skip


def write_history(root: Path, specs: list[Spec], seed: int = 14) -> Town:
    """A town directory at `root` whose log holds `specs`; the Town is opened at NOW."""
    paths = TownPaths(root)
    root.mkdir(parents=True, exist_ok=True)
    paths.town_toml.write_text(town_toml_text("cvtown", "test"), encoding="utf-8")
    BeadsStore.initialize(paths.beads, "hq").close()
    rng = random.Random(seed)
    lines = []
    last = 0
    for second, actor, op, bead, data in sorted(_events(specs), key=lambda e: e[0]):
        micros = max(second * 1_000_000, last + 1)
        last = micros
        moment = datetime.fromtimestamp(micros / 1_000_000, UTC)
        event = make_event(new_ulid(moment, rng), format_ts(moment), actor, op, bead, data)
        lines.append(json_codec.dumps(event))
    with paths.beads.joinpath("events.jsonl").open("ab") as log:
        log.write(b"\n".join(lines) + b"\n")
    return Town(paths, clock=FixedClock(NOW), environ={})
