"""Routing (issue 14): which idle polecat gets a bead, by evidence from the CVs.

The bead's capabilities are its labels (not the town's bookkeeping ones) and `rig:<rig>`, as in
`core.cv_figures`. Each idle polecat is scored on them:

    fit = the mean, over the bead's capabilities, of (successes + 1) / (finished + 2)

where successes and finished are the polecat's tasks with that capability (landed without rework
/ landed or failed). Without evidence a capability counts 1/2 (Laplace's rule), so a record of
successes raises a polecat above an untried one and a record of failures lowers it below. The
best fit wins; ties go to more evidence, then to the polecat resting longest (the order the
sling hands in). Now and then (`EXPLORE_RATE`, drawn from the town's injected `random.Random`)
an untried identity is chosen instead, so new polecats earn a record. With no polecat idle, the
sling spawns a new identity (or queues on the least busy, at the rig's `max_polecats`).

`gt sling --explain` prints the last choice made for a bead (`recent_choice`).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from gastown_tui.core import record as rec
from gastown_tui.core.addresses import polecat_address
from gastown_tui.core.cv_figures import CvRecord, capabilities_of
from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.town.cv.agent_cvs import town_cvs
from gastown_tui.town.town import Town

EXPLORE_RATE = 0.1
BEST_FIT, EXPLORED, ONLY_ONE = "best fit", "explored an untried identity", "the only idle polecat"


@dataclass(frozen=True)
class CapabilityScore:
    capability: str
    successes: int
    finished: int

    @property
    def rate(self) -> float:
        return (self.successes + 1) / (self.finished + 2)


@dataclass(frozen=True)
class PolecatScore:
    name: str
    address: str
    fit: float
    evidence: int  # finished tasks behind the fit (summed over the capabilities)
    tasks: int  # every task of its CV
    parts: tuple[CapabilityScore, ...]

    @property
    def untried(self) -> bool:
        return self.tasks == 0


@dataclass(frozen=True)
class RouteChoice:
    bead: str
    rig: str
    capabilities: tuple[str, ...]
    scores: tuple[PolecatScore, ...]  # best first
    chosen: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for score, raw in zip(self.scores, data["scores"], strict=True):
            raw["fit"] = round(score.fit, 4)
            raw["untried"] = score.untried
        return data


def score(name: str, address: str, cv: CvRecord | None,
          capabilities: Sequence[str]) -> PolecatScore:  # fmt: skip
    parts = []
    for capability in capabilities:
        figures = cv.capability(capability) if cv is not None else None
        parts.append(CapabilityScore(capability, figures.successes if figures else 0,
                                     figures.finished if figures else 0))  # fmt: skip
    fit = sum(part.rate for part in parts) / len(parts) if parts else 0.5
    tasks = cv.figures.tasks if cv is not None else 0
    return PolecatScore(name, address, fit, sum(p.finished for p in parts), tasks, tuple(parts))


def rank(rig: str, idle: Sequence[str], cvs: Mapping[str, CvRecord],
         capabilities: Sequence[str]) -> list[PolecatScore]:  # fmt: skip
    """`idle` (names, resting longest first) scored and sorted, best first."""
    scored = [score(name, polecat_address(rig, name), cvs.get(polecat_address(rig, name)),
                    capabilities) for name in idle]  # fmt: skip
    order = {name: index for index, name in enumerate(idle)}
    return sorted(scored, key=lambda s: (-s.fit, -s.evidence, order[s.name]))


def choose(bead: str, rig: str, idle: Sequence[str], cvs: Mapping[str, CvRecord],
           capabilities: Sequence[str], rng: random.Random,
           explore_rate: float = EXPLORE_RATE) -> RouteChoice:  # fmt: skip
    scores = rank(rig, idle, cvs, capabilities)
    chosen, reason = scores[0].name, BEST_FIT if len(scores) > 1 else ONLY_ONE
    untried = [s for s in scores if s.untried]
    # Drawn only when there is a real choice to make, so a town's other seeded ids stay put.
    if untried and len(untried) < len(scores) and rng.random() < explore_rate:
        first_untried = min(untried, key=lambda s: list(idle).index(s.name))
        chosen, reason = first_untried.name, EXPLORED
    return RouteChoice(bead, rig, tuple(capabilities), tuple(scores), chosen, reason)


def bead_capabilities(record: rec.Record, rig: str) -> list[str]:
    return capabilities_of(rec.labels_of(record), rig)


_recent: dict[tuple[str, str], RouteChoice] = {}
_recent_lock = threading.Lock()


def route_idle(town: Town, rig: RigSettings, bead_id: str, idle: Sequence[str]) -> str:
    """The idle polecat (from `idle`, resting longest first) that gets `bead_id`."""
    record = town.store.get(bead_id) or {"id": bead_id}
    capabilities = bead_capabilities(record, rig.name)
    choice = choose(bead_id, rig.name, idle, town_cvs(town).agents, capabilities, town.rng)
    with _recent_lock:
        _recent[(str(town.paths.root), bead_id)] = choice
    return choice.chosen


def recent_choice(town: Town, bead_id: str) -> RouteChoice | None:
    """The routing choice this process last made for `bead_id` (None: none was needed)."""
    with _recent_lock:
        return _recent.get((str(town.paths.root), bead_id))


def forget_choice(town: Town, bead_id: str) -> None:
    with _recent_lock:
        _recent.pop((str(town.paths.root), bead_id), None)
