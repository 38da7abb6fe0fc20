"""Tasks: what CVs count, derived from the Beads log's engine events (DESIGN §4).

A task is one agent's stint on one bead: it starts when the bead is hooked to that agent (a
`sling` naming the agent) and ends with an outcome:

- `landed`: a `merged` event names the agent and the bead;
- `failed`: the bead was blocked for a human on the agent's watch (the respawn limit's
  `session_end`, or a `merge_failed` past the rework limit), or another agent was slung the
  bead while this one still held it (taken over);
- `released`: taken off the hook (`unhook`) with no verdict on the agent (nuked, unslung);
- `open`: none of these yet.

A `rework` naming the agent counts against its open task on that bead (the bead comes back to
the same hook). Success = landed without any rework. Events must come in (ts, id) order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from gastown_tui.core.events import Event
from gastown_tui.core.timestamps import parse_ts

OPEN, LANDED, FAILED, RELEASED = "open", "landed", "failed", "released"
TASK_OPS = ("sling", "rework", "merged", "merge_failed", "session_end", "unhook")
RESPAWN_LIMIT = "respawn limit"  # how a blocked bead's session_end reason starts
# Runtimes that run a model: their tasks count for the model; others (sim) for the runtime.
MODEL_RUNTIMES = frozenset({"claude", "builtin"})


@dataclass
class Task:
    agent: str
    bead: str
    rig: str
    model: str  # the model, or the runtime when it runs none (sim)
    hooked_at: float  # epoch seconds
    ended_at: float | None = None
    outcome: str = OPEN
    reworks: int = 0
    rework_reasons: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.outcome in (LANDED, FAILED)

    @property
    def success(self) -> bool:
        return self.outcome == LANDED and self.reworks == 0

    @property
    def hook_to_merge(self) -> float | None:
        if self.outcome != LANDED or self.ended_at is None:
            return None
        return max(0.0, self.ended_at - self.hooked_at)


def _seconds(ts: str) -> float | None:
    try:  # the log's own canonical form, parsed in C; other forms the slow, lenient way
        fast = datetime.fromisoformat(ts)
        if fast.tzinfo is not None:
            return fast.timestamp()
    except ValueError:
        pass
    moment = parse_ts(ts)  # no offset means UTC here, never the machine's local time
    return moment.timestamp() if moment is not None else None


def model_label(model: object, runtime: object) -> str:
    if runtime in MODEL_RUNTIMES or not runtime:
        return str(model or runtime or "unknown")
    return str(runtime)


def extract_tasks(events: Iterable[Event]) -> list[Task]:
    """Every task in the events (in (ts, id) order), in the order they started."""
    tasks: list[Task] = []
    open_by_bead: dict[str, Task] = {}  # the task currently holding each bead

    def end(task: Task, outcome: str, at: float) -> None:
        task.outcome, task.ended_at = outcome, at
        if open_by_bead.get(task.bead) is task:
            del open_by_bead[task.bead]

    for event in events:
        data = event.get("data") or {}
        bead = str(data.get("bead") or event.get("bead") or "")  # merges are on the MR
        at = _seconds(str(event.get("ts", "")))
        if not bead or at is None:
            continue
        op = event["op"]
        agent = data.get("agent")
        holder = open_by_bead.get(bead)
        if op == "sling" and isinstance(agent, str) and agent:
            if holder is not None and holder.agent == agent:
                continue  # slung again to the same agent (forced): the same stint
            if holder is not None:
                end(holder, FAILED, at)  # taken over by another agent
            task = Task(agent, bead, str(data.get("rig") or ""),
                        model_label(data.get("model"), data.get("runtime")), at)  # fmt: skip
            tasks.append(task)
            open_by_bead[bead] = task
        elif holder is None or (isinstance(agent, str) and agent and agent != holder.agent):
            continue  # about a stint we did not see start, or someone else's
        elif op == "rework":
            holder.reworks += 1
            holder.rework_reasons.append(str(data.get("failure_type") or "rework"))
        elif op == "merged":
            end(holder, LANDED, at)
        elif op == "merge_failed" and data.get("rework_refused"):
            holder.reworks += 1
            holder.rework_reasons.append(str(data.get("failure_type") or "rework"))
            end(holder, FAILED, at)
        elif op == "session_end" and str(data.get("reason", "")).startswith(RESPAWN_LIMIT):
            end(holder, FAILED, at)
        elif op == "unhook":
            end(holder, RELEASED, at)
    return tasks
