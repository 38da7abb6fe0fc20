"""CV figures (DESIGN §1): an agent's — or a model's — record, computed from its tasks.

Over the finished tasks (landed or failed; open and released ones carry no verdict):
- success rate = landed without rework / finished; rework rate = needed a rework / finished;
- hook→merge = from the hook to the merge, over landed tasks: the mean, and the p90 by nearest
  rank (the smallest value with at least 90% of the values at or below it);
- capabilities: the same figures per capability: every label of the task's bead that is not
  the town's own bookkeeping (`gt:…`, mail labels, `molecule`…), and `rig:<rig>`. Evidence
  only: nothing is configured;
- trend: finished and successful tasks per UTC day over the last 7 days (today last);
- flags: `three failures in a row` (the last three finished tasks all failed or needed rework);
  `rising rework` (at least 3 tasks finished in the last 7 days and 3 before, and the recent
  rework rate at least 20 points above the earlier one).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gastown_tui.core.cv_tasks import Task

DAY = 86400.0
TREND_DAYS = 7
RISING_MIN_TASKS = 3
RISING_POINTS = 0.2
FAILURE_STREAK = 3
THREE_FAILURES = "three failures in a row"
RISING_REWORK = "rising rework"
_BOOKKEEPING = frozenset({"molecule", "template", "read", "acked", "wisp"})
_BOOKKEEPING_PREFIXES = ("gt:", "msg-type:", "from:", "thread:", "reply-to:")


@dataclass(frozen=True)
class Figures:
    key: str
    tasks: int
    finished: int
    landed: int
    successes: int
    reworked: int
    mean_hook_to_merge: float | None  # seconds
    p90_hook_to_merge: float | None

    @property
    def success_rate(self) -> float | None:
        return self.successes / self.finished if self.finished else None

    @property
    def rework_rate(self) -> float | None:
        return self.reworked / self.finished if self.finished else None


@dataclass(frozen=True)
class DayCount:
    day: str  # YYYY-MM-DD, UTC
    finished: int
    successes: int


@dataclass(frozen=True)
class CvRecord:
    """One agent's (or one model's) CV."""

    key: str
    figures: Figures
    capabilities: tuple[Figures, ...]  # most evidence first
    trend: tuple[DayCount, ...]
    flags: tuple[str, ...]
    groups: tuple[str, ...]  # an agent's models, or a model's agents
    last_finished_at: float | None

    def capability(self, key: str) -> Figures | None:
        return next((figures for figures in self.capabilities if figures.key == key), None)


def p90(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def figures(key: str, tasks: Sequence[Task]) -> Figures:
    finished = [task for task in tasks if task.finished]
    times = [t for t in (task.hook_to_merge for task in finished) if t is not None]
    return Figures(
        key=key,
        tasks=len(tasks),
        finished=len(finished),
        landed=len(times),
        successes=sum(1 for task in finished if task.success),
        reworked=sum(1 for task in finished if task.reworks),
        mean_hook_to_merge=sum(times) / len(times) if times else None,
        p90_hook_to_merge=p90(times),
    )


def is_capability(label: str) -> bool:
    return label not in _BOOKKEEPING and not label.startswith(_BOOKKEEPING_PREFIXES)


def capabilities_of(labels: Iterable[str], rig: str) -> list[str]:
    found = sorted({label for label in labels if is_capability(label)})
    return [*found, f"rig:{rig}"] if rig else found


def cv_record(
    key: str,
    tasks: Sequence[Task],
    labels_of: Mapping[str, Sequence[str]],
    now: float,
    group_of: Callable[[Task], str],
) -> CvRecord:
    by_capability: dict[str, list[Task]] = {}
    for task in tasks:
        for capability in capabilities_of(labels_of.get(task.bead, ()), task.rig):
            by_capability.setdefault(capability, []).append(task)
    capabilities = sorted((figures(name, found) for name, found in by_capability.items()),
                          key=lambda f: (-f.finished, -f.tasks, f.key))  # fmt: skip
    finished = sorted((task for task in tasks if task.finished and task.ended_at is not None),
                      key=lambda task: task.ended_at or 0.0)  # fmt: skip
    return CvRecord(
        key=key,
        figures=figures(key, tasks),
        capabilities=tuple(capabilities),
        trend=trend(finished, now),
        flags=flags(finished, now),
        groups=tuple(sorted({group_of(task) for task in tasks})),
        last_finished_at=finished[-1].ended_at if finished else None,
    )


def trend(finished: Sequence[Task], now: float) -> tuple[DayCount, ...]:
    today = datetime.fromtimestamp(now, UTC).date()
    days = [(today - timedelta(days=back)).isoformat() for back in range(TREND_DAYS - 1, -1, -1)]
    counts = {day: [0, 0] for day in days}
    for task in finished:
        day = datetime.fromtimestamp(task.ended_at or 0.0, UTC).date().isoformat()
        if day in counts:
            counts[day][0] += 1
            counts[day][1] += int(task.success)
    return tuple(DayCount(day, *counts[day]) for day in days)


def flags(finished: Sequence[Task], now: float) -> tuple[str, ...]:
    """`finished` in the order they ended."""
    found = []
    last = finished[-FAILURE_STREAK:]
    if len(last) == FAILURE_STREAK and not any(task.success for task in last):
        found.append(THREE_FAILURES)
    since = now - TREND_DAYS * DAY
    recent = [task for task in finished if (task.ended_at or 0.0) >= since]
    earlier = [task for task in finished if (task.ended_at or 0.0) < since]
    if len(recent) >= RISING_MIN_TASKS and len(earlier) >= RISING_MIN_TASKS:
        rate_now = sum(1 for task in recent if task.reworks) / len(recent)
        rate_before = sum(1 for task in earlier if task.reworks) / len(earlier)
        if rate_now - rate_before >= RISING_POINTS:
            found.append(RISING_REWORK)
    return tuple(found)


def records_by(
    tasks: Iterable[Task],
    key_of: Callable[[Task], str],
    labels_of: Mapping[str, Sequence[str]],
    now: float,
    group_of: Callable[[Task], str],
) -> dict[str, CvRecord]:
    grouped: dict[str, list[Task]] = {}
    for task in tasks:
        grouped.setdefault(key_of(task), []).append(task)
    return {key: cv_record(key, found, labels_of, now, group_of)
            for key, found in sorted(grouped.items())}  # fmt: skip


def short_duration(seconds: float | None) -> str:
    """`45s`, `12m`, `3h05m`, `2d04h`; `–` when there is nothing to show."""
    if seconds is None:
        return "–"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{round(rate * 100)}%"
