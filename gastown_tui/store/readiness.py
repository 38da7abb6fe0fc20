"""Ready and blocked work, computed in SQL from the rules of `core.dependency_rules` (DESIGN §3).

Ready = open, not pinned, not a wisp, not deferred, not an infrastructure type, and not held.
Held = directly blocked (a blocking edge to a bead that is neither closed nor a tombstone), or
deferred, or a descendant through parent edges (up to depth 50) of a held bead.
An edge to an id this store does not hold cannot be resolved and does not block.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from gastown_tui.core.dependency_rules import (
    ANCESTOR_DEPTH_LIMIT,
    BLOCKING_TYPES,
    NON_WORK_TYPES,
    PARENT_TYPES,
)
from gastown_tui.store import json_codec


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


_HELD = f"""
WITH RECURSIVE
direct(id) AS (
    SELECT DISTINCT d.issue_id FROM deps d JOIN beads t ON t.id = d.depends_on_id
    WHERE d.type IN ({_sql_list(BLOCKING_TYPES)}) AND t.status != 'closed' AND t.tombstone = 0
),
deferred(id) AS (
    SELECT id FROM beads
    WHERE tombstone = 0 AND status != 'closed'
      AND (status = 'deferred' OR (defer_key IS NOT NULL AND defer_key > :now))
),
held(id, depth, origin) AS (
    SELECT id, 0, id FROM direct
    UNION
    SELECT id, 0, id FROM deferred
    UNION
    SELECT d.issue_id, h.depth + 1, h.origin FROM deps d JOIN held h ON d.depends_on_id = h.id
    WHERE d.type IN ({_sql_list(PARENT_TYPES)}) AND h.depth < {ANCESTOR_DEPTH_LIMIT}
)
"""

_READY = (
    _HELD
    + f"""
SELECT b.record FROM beads b
WHERE b.status = 'open' AND b.pinned = 0 AND b.ephemeral = 0 AND b.tombstone = 0
  AND b.issue_type NOT IN ({_sql_list(NON_WORK_TYPES)})
  AND (b.defer_key IS NULL OR b.defer_key <= :now)
  AND b.id NOT IN (SELECT id FROM held)
ORDER BY b.priority, b.created_key, b.id
LIMIT :limit
"""
)

_HELD_ROWS = (
    _HELD
    + """
SELECT h.id, h.depth, h.origin FROM held h JOIN beads b ON b.id = h.id
WHERE b.status != 'closed' AND b.tombstone = 0
ORDER BY h.id, h.depth
"""
)

_DIRECT_BLOCKERS = f"""
SELECT d.issue_id, d.depends_on_id, d.type FROM deps d JOIN beads t ON t.id = d.depends_on_id
WHERE d.type IN ({_sql_list(BLOCKING_TYPES)}) AND t.status != 'closed' AND t.tombstone = 0
ORDER BY d.issue_id, d.depends_on_id
"""


def ready(connection: sqlite3.Connection, now: str, limit: int = -1) -> list[dict[str, Any]]:
    """Ready beads in order: priority, then created_at, then id."""
    rows = connection.execute(_READY, {"now": now, "limit": limit}).fetchall()
    return [json_codec.loads(row[0]) for row in rows]


def count_ready(connection: sqlite3.Connection, now: str) -> int:
    return len(connection.execute(_READY, {"now": now, "limit": -1}).fetchall())


@dataclass
class BlockedBead:
    """A bead that cannot start: its own blockers, or the held ancestor it inherits from."""

    bead_id: str
    blocked_by: list[str] = field(default_factory=list)
    inherited_from: str | None = None

    @property
    def inherited(self) -> bool:
        return not self.blocked_by


def blocked(connection: sqlite3.Connection, now: str) -> list[BlockedBead]:
    """Every open bead that is blocked, directly or through an ancestor (not merely deferred)."""
    direct: dict[str, list[str]] = {}
    for issue_id, blocker, _ in connection.execute(_DIRECT_BLOCKERS):
        direct.setdefault(issue_id, []).append(blocker)
    result: dict[str, BlockedBead] = {}
    for bead_id, depth, origin in connection.execute(_HELD_ROWS, {"now": now}):
        if bead_id in result:
            continue
        if bead_id in direct:
            result[bead_id] = BlockedBead(bead_id, direct[bead_id])
        elif depth > 0:
            result[bead_id] = BlockedBead(bead_id, [], origin)
    return sorted(result.values(), key=lambda item: item.bead_id)
