"""The records part of the snapshot (issue 14): each agent's CV summary and cost, the town's
spend, and each convoy's ETA from the CVs' hook→merge times.

Read from the log through the shared incremental readers (CVs, costs), so a snapshot costs a
look at what was appended. A log that cannot be read leaves these empty; the snapshot's log
source already says why.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from gastown_tui.core.convoy_eta import convoy_eta
from gastown_tui.core.cv_figures import CvRecord, figures
from gastown_tui.core.cv_tasks import Task
from gastown_tui.core.ids import id_prefix
from gastown_tui.town.costs.cost_report import cost_report
from gastown_tui.town.cv.agent_cvs import town_cvs
from gastown_tui.town.read_model.views import AgentCvView, ConvoyView
from gastown_tui.town.town import Town

STRENGTHS = 2  # capabilities named in the summary
STRENGTH_EVIDENCE = 2  # finished tasks a capability needs before it counts as one


@dataclass(frozen=True)
class Records:
    convoys: tuple[ConvoyView, ...]
    cvs: tuple[AgentCvView, ...]
    cost_usd: float


def records(town: Town, connection: sqlite3.Connection,
            convoys: tuple[ConvoyView, ...]) -> Records:  # fmt: skip
    cvs = town_cvs(town)
    costs = {row.key: row.cost_usd for row in cost_report(town).rows}
    total = round(sum(costs.values()), 6)
    views = tuple(agent_view(record, costs.get(address, 0.0))
                  for address, record in cvs.agents.items())  # fmt: skip
    return Records(with_eta(town, connection, convoys, cvs.tasks), views, total)


def agent_view(record: CvRecord, cost: float) -> AgentCvView:
    f = record.figures
    strong = [c for c in record.capabilities
              if not c.key.startswith("rig:") and c.finished >= STRENGTH_EVIDENCE
              and (c.success_rate or 0.0) >= (f.success_rate or 0.0)]  # fmt: skip
    strong.sort(key=lambda c: (-(c.success_rate or 0.0), -c.finished, c.key))
    return AgentCvView(record.key, f.tasks, f.landed, f.success_rate, f.rework_rate,
                       f.mean_hook_to_merge, f.p90_hook_to_merge,
                       tuple(c.key for c in strong[:STRENGTHS]), record.flags, cost)  # fmt: skip


def with_eta(town: Town, connection: sqlite3.Connection, convoys: tuple[ConvoyView, ...],
             tasks: Sequence[Task]) -> tuple[ConvoyView, ...]:  # fmt: skip
    flying = [c.id for c in convoys if not c.landed and c.closed < c.total]
    if not flying:
        return convoys
    by_rig: dict[str, list[Task]] = {}
    for task in tasks:
        by_rig.setdefault(task.rig, []).append(task)
    means = {rig: mean for rig, found in by_rig.items()
             if (mean := figures(rig, found).mean_hook_to_merge) is not None}  # fmt: skip
    town_mean = figures("town", list(tasks)).mean_hook_to_merge
    prefixes = {rig.prefix: name for name, rig in town.rigs().items()}
    members: dict[str, list[tuple[str, bool]]] = {}
    marks = ",".join("?" * len(flying))
    rows = connection.execute(
        "SELECT d.issue_id, b.id, b.status, b.rig FROM deps d JOIN beads b "
        f"ON b.id = d.depends_on_id WHERE d.type = 'tracks' AND d.issue_id IN ({marks}) "
        "AND b.tombstone = 0 AND b.status != 'closed'",
        flying,
    )
    for convoy, bead, status, rig in rows:
        owner = rig or prefixes.get(id_prefix(str(bead)), "-")
        members.setdefault(str(convoy), []).append((owner, status in ("hooked", "in_progress")))
    return tuple(
        dataclasses.replace(c, eta_seconds=convoy_eta(members.get(c.id, []), means, town_mean))
        if c.id in members else c
        for c in convoys
    )  # fmt: skip
