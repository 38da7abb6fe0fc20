"""`gt cv <agent>` and `gt cv board [--by model]`: CVs of every agent identity and model.

Tasks come from the log (`log_events`, shared and incremental), labels from the projection;
the figures are `core.cv_figures`. Every agent identity has a CV, an untried one with zeros.
The same `town_cvs` feeds routing (`town/work/routing.py`), the convoy ETA and the control room.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from gastown_tui.core import record as rec
from gastown_tui.core.addresses import AddressError, parse_address
from gastown_tui.core.cv_figures import CvRecord, Figures, cv_record, records_by
from gastown_tui.core.cv_tasks import TASK_OPS, Task, extract_tasks
from gastown_tui.store.bead_queries import ListFilter, list_beads
from gastown_tui.town.cv.log_events import op_events
from gastown_tui.town.town import Town, TownError

BY_AGENT, BY_MODEL = "agent", "model"
# How a board can be sorted: by name, or the most tasks, best success, most rework, fastest.
BOARD_SORTS: dict[str, Callable[[CvRecord], tuple[Any, ...]]] = {
    "name": lambda r: (r.key,),
    "tasks": lambda r: (-r.figures.tasks, r.key),
    "success": lambda r: (-(r.figures.success_rate or -1.0), r.key),
    "rework": lambda r: (-(r.figures.rework_rate or -1.0), r.key),
    "time": lambda r: (r.figures.mean_hook_to_merge or float("inf"), r.key),
}
_IN_CHUNK = 500


@dataclass(frozen=True)
class TownCVs:
    agents: dict[str, CvRecord]  # address → CV, every identity (untried ones too)
    models: dict[str, CvRecord]
    tasks: tuple[Task, ...]
    now: float

    def agent(self, address: str) -> CvRecord | None:
        return self.agents.get(address)


_tasks_cache: dict[str, tuple[tuple[Any, ...], tuple[Task, ...]]] = {}
_tasks_lock = threading.Lock()


def town_tasks(town: Town) -> tuple[Task, ...]:
    """Every task in the town's log (re-derived only when the log has new task events)."""
    path = town.paths.beads / "events.jsonl"
    events = op_events(path, TASK_OPS).read()
    key = str(path)
    with _tasks_lock:
        cached = _tasks_cache.get(key)
        if cached is not None and cached[0] is events:
            return cached[1]
    tasks = tuple(extract_tasks(events))
    with _tasks_lock:
        _tasks_cache[key] = (events, tasks)
    return tasks


def labels_of(connection: sqlite3.Connection, beads: Sequence[str]) -> dict[str, list[str]]:
    wanted = sorted(set(beads))
    found: dict[str, list[str]] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        part = wanted[start : start + _IN_CHUNK]
        rows = connection.execute(
            f"SELECT issue_id, label FROM labels WHERE issue_id IN ({','.join('?' * len(part))})",
            part,
        )
        for bead, label in rows:
            found.setdefault(str(bead), []).append(str(label))
    return found


def identities(town: Town) -> list[str]:
    """The address of every agent identity (polecats and crew) in the town."""
    found = list_beads(town.store.connection, ListFilter(types=["agent"], include_closed=True))
    return sorted({str(rec.metadata_of(r).get("address")) for r in found
                   if rec.metadata_of(r).get("address")})  # fmt: skip


_cvs_cache: dict[str, tuple[tuple[object, ...], TownCVs]] = {}


def town_cvs(town: Town) -> TownCVs:
    """Every agent's and model's CV. Computed again only when the tasks, their beads' labels,
    the identities or the minute changed (the control room asks on every snapshot)."""
    tasks = town_tasks(town)
    labels = labels_of(town.store.connection, [task.bead for task in tasks])
    now = town.clock.now().timestamp()
    people = identities(town)
    key = (tasks, int(now // 60), hash(tuple(sorted((b, tuple(v)) for b, v in labels.items()))),
           tuple(people))  # fmt: skip
    path = str(town.paths.beads)
    with _tasks_lock:
        cached = _cvs_cache.get(path)
    if cached is not None and cached[0][0] is tasks and cached[0][1:] == key[1:]:
        return cached[1]
    agents = records_by(tasks, lambda t: t.agent, labels, now, lambda t: t.model)
    for address in people:
        if address not in agents:
            agents[address] = cv_record(address, [], labels, now, lambda t: t.model)
    models = records_by(tasks, lambda t: t.model, labels, now, lambda t: t.agent)
    result = TownCVs(dict(sorted(agents.items())), models, tasks, now)
    with _tasks_lock:
        _cvs_cache[path] = (key, result)
    return result


def agent_cv(town: Town, agent: str) -> CvRecord:
    """The CV of `agent` (an address, or `<rig>/<name>` for a polecat)."""
    address = agent_address(agent)
    found = town_cvs(town).agent(address)
    if found is None:
        raise TownError(f"no agent {agent!r}: no identity and no work in the log "
                        "(gt cv board lists every agent)")  # fmt: skip
    return found


def cv_board(town: Town, by: str = BY_AGENT, sort: str = "name") -> list[CvRecord]:
    """Every agent's (or model's) CV, sorted by one of BOARD_SORTS."""
    if by not in (BY_AGENT, BY_MODEL):
        raise TownError(f"--by {by!r}: use agent or model")
    if sort not in BOARD_SORTS:
        raise TownError(f"--sort {sort!r}: use one of {', '.join(BOARD_SORTS)}")
    cvs = town_cvs(town)
    return sorted((cvs.agents if by == BY_AGENT else cvs.models).values(), key=BOARD_SORTS[sort])


def agent_address(text: str) -> str:
    """An address from what the operator typed: an address, or `<rig>/<name>` for a polecat."""
    parts = text.strip("/").split("/")
    if len(parts) == 2 and parts[1] not in ("witness", "refinery"):
        parts = [parts[0], "polecats", parts[1]]
    try:
        return str(parse_address("/".join(parts)))
    except AddressError as error:
        raise TownError(str(error)) from error


def figures_json(figures: Figures) -> dict[str, Any]:
    return {**asdict(figures), "success_rate": _rate(figures.success_rate),
            "rework_rate": _rate(figures.rework_rate)}  # fmt: skip


def cv_json(record: CvRecord) -> dict[str, Any]:
    return {
        "key": record.key, "figures": figures_json(record.figures),
        "capabilities": [figures_json(figures) for figures in record.capabilities],
        "trend": [asdict(day) for day in record.trend], "flags": list(record.flags),
        "groups": list(record.groups), "last_finished_at": record.last_finished_at,
    }  # fmt: skip


def _rate(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None
