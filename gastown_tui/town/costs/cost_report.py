"""`gt costs [--by agent|rig|convoy|model] [--since]`: what the agents' sessions spent.

Reads the log's `usage` events (agent, session, model, input_tokens, output_tokens, cost_usd,
bead, rig; written per session by `usage_recording`) through the shared incremental reader, so
the control room's header and agent panel can ask on every snapshot. A session without a usage
event cost nothing (sim): every agent identity has a row, zero when it spent nothing. By convoy,
a bead tracked by two convoys counts in both; work in none is `(no convoy)`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from gastown_tui.core.events import Event
from gastown_tui.core.timestamps import format_ts, parse_ts
from gastown_tui.town.convoys.convoys import convoys_of
from gastown_tui.town.cv.agent_cvs import identities
from gastown_tui.town.cv.log_events import op_events
from gastown_tui.town.town import Town, TownError

USAGE_OP = "usage"
GROUPINGS = ("agent", "rig", "convoy", "model")
NO_CONVOY = "(no convoy)"
_SINCE = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class CostRow:
    key: str
    sessions: int
    input_tokens: int
    output_tokens: int
    cost_usd: float


@dataclass(frozen=True)
class CostReport:
    by: str
    since: str | None
    rows: tuple[CostRow, ...]  # most expensive first, then by name
    total: CostRow

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "since": self.since, "rows": [asdict(r) for r in self.rows],
                "total": asdict(self.total)}  # fmt: skip


def parse_since(text: str, now: datetime) -> datetime:
    """`30m`, `24h`, `7d`, `2w` before now, or an RFC 3339 time or date."""
    match = _SINCE.match(text.strip())
    if match:
        return now - timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
    moment = parse_ts(text)
    if moment is None:
        raise TownError(f"--since {text!r}: use 30m, 24h, 7d, 2w or a date like 2030-01-31")
    return moment


def usage_events(town: Town) -> tuple[Event, ...]:
    return op_events(town.paths.beads / "events.jsonl", (USAGE_OP,)).read()


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _rows(groups: dict[str, list[dict[str, Any]]]) -> list[CostRow]:
    rows = []
    for key, items in groups.items():
        rows.append(CostRow(
            key, len({(str(d.get("agent")), str(d.get("session"))) for d in items}),
            int(sum(_number(d.get("input_tokens")) for d in items)),
            int(sum(_number(d.get("output_tokens")) for d in items)),
            round(sum(_number(d.get("cost_usd")) for d in items), 6),
        ))  # fmt: skip
    return sorted(rows, key=lambda r: (-r.cost_usd, r.key))


def cost_report(town: Town, by: str = "agent", since: datetime | None = None) -> CostReport:
    if by not in GROUPINGS:
        raise TownError(f"--by {by!r}: use one of {', '.join(GROUPINGS)}")
    cutoff = format_ts(since) if since is not None else None
    used = [e for e in usage_events(town) if cutoff is None or str(e["ts"]) >= cutoff]
    tracked = convoys_of(town.store.connection) if by == "convoy" else {}
    groups: dict[str, list[dict[str, Any]]] = {}
    for event in used:
        data = event.get("data") or {}
        bead = str(data.get("bead") or event.get("bead") or "")
        if by == "convoy":
            keys = tracked.get(bead) or [NO_CONVOY]
        elif by == "agent":
            keys = [str(data.get("agent") or event.get("actor") or "(unknown)")]
        else:
            keys = [str(data.get(by) or "(unknown)")]
        for key in keys:
            groups.setdefault(key, []).append(data)
    if by == "agent":
        for address in identities(town):
            groups.setdefault(address, [])
    total = _rows({"total": [event.get("data") or {} for event in used]})
    return CostReport(by, cutoff, tuple(_rows(groups)),
                      total[0] if total else CostRow("total", 0, 0, 0, 0.0))  # fmt: skip
