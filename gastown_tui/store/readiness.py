"""Ready and blocked work: `core.hold_rule` over edges read from the projection (DESIGN §3).

Ready = open, not pinned, not a wisp, not deferred, not an infrastructure type, and not held.
`ready` walks the candidates in order (priority, created_at, id) and asks the rule about each,
fetching edges bead by bead, so it stops as soon as it has its limit; `blocked` and the counts
fetch every edge at once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from gastown_tui.core.dependency_rules import NON_WORK_TYPES
from gastown_tui.core.hold_rule import Edge, HoldRule
from gastown_tui.store import json_codec

_EDGE_COLUMNS = (
    "d.type, d.depends_on_id, t.status, t.tombstone, "
    "CASE WHEN t.status != 'closed' AND t.tombstone = 0 "
    "AND (t.status = 'deferred' OR (t.defer_key IS NOT NULL AND t.defer_key > :now)) "
    "THEN 1 ELSE 0 END"
)
_EDGES_OF = (
    f"SELECT {_EDGE_COLUMNS} FROM deps d LEFT JOIN beads t ON t.id = d.depends_on_id "
    "WHERE d.issue_id = :bead"
)
_ALL_EDGES = (
    f"SELECT d.issue_id, {_EDGE_COLUMNS} FROM deps d LEFT JOIN beads t ON t.id = d.depends_on_id"
)
_NON_WORK = ", ".join(f"'{kind}'" for kind in NON_WORK_TYPES)
_CANDIDATES = f"""
SELECT id, record FROM beads INDEXED BY beads_status
WHERE status = 'open' AND pinned = 0 AND ephemeral = 0 AND tombstone = 0
  AND issue_type NOT IN ({_NON_WORK})
  AND (defer_key IS NULL OR defer_key <= :now)
ORDER BY priority, created_key, id
"""


def _edge(row: Sequence[Any]) -> Edge:
    dep_type, target, status, tombstone, deferred = row
    return Edge(dep_type, target, status, bool(tombstone), bool(deferred))


def _rule_fetching_each(connection: sqlite3.Connection, now: str) -> HoldRule:
    def edges_of(bead_id: str) -> list[Edge]:
        rows = connection.execute(_EDGES_OF, {"now": now, "bead": bead_id}).fetchall()
        return [_edge(row) for row in rows]

    return HoldRule(edges_of)


def _rule_fetching_all(connection: sqlite3.Connection, now: str) -> HoldRule:
    graph: dict[str, list[Edge]] = {}
    for row in connection.execute(_ALL_EDGES, {"now": now}):
        graph.setdefault(row[0], []).append(_edge(row[1:]))
    return HoldRule(lambda bead_id: graph.get(bead_id, ()))


def _ready(connection: sqlite3.Connection, rule: HoldRule, now: str) -> Iterator[bytes]:
    for bead_id, blob in connection.execute(_CANDIDATES, {"now": now}):
        if rule.hold(bead_id) is None:
            yield blob


def ready(
    connection: sqlite3.Connection,
    now: str,
    limit: int = -1,
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> list[dict[str, Any]]:
    """Ready beads in order: priority, then created_at, then id (`limit` < 0: all), only those
    `keep` accepts when it is given (filtered before the limit counts)."""
    found: list[dict[str, Any]] = []
    for blob in _ready(connection, _rule_fetching_each(connection, now), now):
        if 0 <= limit <= len(found):
            break
        record = json_codec.loads(blob)
        if keep is None or keep(record):
            found.append(record)
    return found


def count_ready(connection: sqlite3.Connection, now: str) -> int:
    return sum(1 for _ in _ready(connection, _rule_fetching_all(connection, now), now))


@dataclass
class BlockedBead:
    """A bead that cannot start: its own blockers, or the held ancestor it inherits from."""

    bead_id: str
    blocked_by: list[str]
    inherited_from: str | None = None

    @property
    def inherited(self) -> bool:
        return not self.blocked_by


def blocked(connection: sqlite3.Connection, now: str) -> list[BlockedBead]:
    """Every bead not closed that is held, directly or through an ancestor."""
    rule = _rule_fetching_all(connection, now)
    found = []
    for (bead_id,) in connection.execute(
        "SELECT id FROM beads WHERE status != 'closed' AND tombstone = 0 ORDER BY id"
    ):
        hold = rule.hold(bead_id)
        if hold is not None:
            found.append(BlockedBead(bead_id, list(hold.blockers), hold.inherited_from))
    return found
