"""Read-only questions the CLI and the control room ask of the projection."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from gastown_tui.core.dependency_rules import BLOCKING_TYPES, PARENT_TYPES
from gastown_tui.core.graph_cycles import path_between, strongly_connected
from gastown_tui.core.record import Record
from gastown_tui.core.timestamps import format_ts, parse_ts
from gastown_tui.store import json_codec
from gastown_tui.store.readiness import blocked, count_ready


@dataclass(frozen=True)
class ListFilter:
    """Filters of `bd list`; every given one must match."""

    statuses: Sequence[str] = ()
    types: Sequence[str] = ()
    assignee: str | None = None
    labels: Sequence[str] = ()
    priorities: Sequence[int] = ()
    rig: str | None = None
    include_closed: bool = False
    limit: int = -1
    ids: Sequence[str] = field(default_factory=tuple)


def _records(rows: Sequence[tuple[Any, ...]]) -> list[Record]:
    return [json_codec.loads(row[0]) for row in rows]


def list_beads(connection: sqlite3.Connection, wanted: ListFilter) -> list[Record]:
    clauses = ["tombstone = 0"]
    params: list[Any] = []

    def any_of(column: str, values: Sequence[Any]) -> None:
        clauses.append(f"{column} IN ({','.join('?' * len(values))})")
        params.extend(values)

    if wanted.statuses:
        any_of("status", wanted.statuses)
    elif not wanted.include_closed:
        clauses.append("status != 'closed'")
    if wanted.types:
        any_of("issue_type", wanted.types)
    if wanted.priorities:
        any_of("priority", wanted.priorities)
    if wanted.ids:
        any_of("id", wanted.ids)
    if wanted.assignee is not None:
        clauses.append("assignee = ?")
        params.append(wanted.assignee)
    if wanted.rig is not None:
        clauses.append("(rig = ? OR (rig IS NULL AND prefix = ?))")
        params.extend([wanted.rig, wanted.rig])
    for label in wanted.labels:
        clauses.append("id IN (SELECT issue_id FROM labels WHERE label = ?)")
        params.append(label)
    sql = (
        f"SELECT record FROM beads WHERE {' AND '.join(clauses)} "
        "ORDER BY priority, created_key, id LIMIT ?"
    )
    return _records(connection.execute(sql, [*params, wanted.limit]).fetchall())


def all_records(connection: sqlite3.Connection, *, include_wisps: bool = True) -> list[Record]:
    """Every non-tombstone record, sorted by id (byte order, as bd's export sorts)."""
    wisp_clause = "" if include_wisps else " AND ephemeral = 0"
    rows = connection.execute(
        f"SELECT record FROM beads WHERE tombstone = 0{wisp_clause}"
    ).fetchall()
    records = _records(rows)
    records.sort(key=lambda record: str(record.get("id", "")).encode("utf-8", "surrogatepass"))
    return records


def stats(connection: sqlite3.Connection, now: str, since: str | None = None) -> dict[str, Any]:
    """bd's `stats --json`: `summary` (`types.Statistics`, plus a few counts of ours) and
    `recent_activity` (what the log holds since `since`, by default the last 24 hours; bd
    counts git commits there too, which a store that does not run git reports as 0)."""
    return {
        "summary": _summary(connection, now),
        "recent_activity": _recent_activity(connection, since or _hours_before(now, 24)),
    }


def _hours_before(now: str, hours: int) -> str:
    moment = parse_ts(now)
    return format_ts(moment - timedelta(hours=hours)) if moment else now


_ACTIVITY = {"create": "issues_created", "import": "issues_created", "close": "issues_closed",
             "reopen": "issues_reopened"}  # fmt: skip


def _recent_activity(connection: sqlite3.Connection, since: str) -> dict[str, int]:
    counts = dict.fromkeys(("issues_created", "issues_closed", "issues_updated",
                            "issues_reopened"), 0)  # fmt: skip
    total = 0
    for op, count in connection.execute(
        "SELECT op, COUNT(*) FROM events WHERE ts >= ? AND bead IS NOT NULL AND bead != '' "
        "GROUP BY op",
        (since,),
    ):
        counts[_ACTIVITY.get(op, "issues_updated")] += count
        total += count
    return {"hours_tracked": 24, "commit_count": 0, **counts, "total_changes": total}


def _summary(connection: sqlite3.Connection, now: str) -> dict[str, Any]:
    by_status = dict(
        connection.execute(
            "SELECT status, COUNT(*) FROM beads WHERE tombstone = 0 GROUP BY status"
        ).fetchall()
    )
    total = sum(by_status.values())
    lead = connection.execute(
        "SELECT AVG(julianday(closed_key) - julianday(created_key)) * 24 FROM beads "
        "WHERE status = 'closed' AND tombstone = 0 AND closed_key IS NOT NULL "
        "AND created_key IS NOT NULL"
    ).fetchone()[0]
    return {
        "total_issues": total,
        "open_issues": by_status.get("open", 0),
        "in_progress_issues": by_status.get("in_progress", 0),
        "closed_issues": by_status.get("closed", 0),
        "blocked_issues": len(blocked(connection, now)),
        "deferred_issues": by_status.get("deferred", 0),
        "ready_issues": count_ready(connection, now),
        "pinned_issues": connection.execute(
            "SELECT COUNT(*) FROM beads WHERE tombstone = 0 AND pinned = 1"
        ).fetchone()[0],
        "hooked_issues": by_status.get("hooked", 0),
        "tombstone_issues": connection.execute(
            "SELECT COUNT(*) FROM beads WHERE tombstone = 1"
        ).fetchone()[0],
        "average_lead_time_hours": round(lead, 2) if lead is not None else 0.0,
        "by_status": dict(sorted(by_status.items())),
    }


def graph_edges(connection: sqlite3.Connection) -> dict[str, list[str]]:
    """The waits-for graph: bead → what it waits for (blocking and parent edges)."""
    types = (*BLOCKING_TYPES, *PARENT_TYPES)
    edges: dict[str, list[str]] = {}
    for issue_id, target in connection.execute(
        f"SELECT d.issue_id, d.depends_on_id FROM deps d JOIN beads b ON b.id = d.issue_id "
        f"WHERE b.tombstone = 0 AND d.type IN ({','.join('?' * len(types))})",
        types,
    ):
        edges.setdefault(issue_id, []).append(target)
    return edges


def find_cycles(connection: sqlite3.Connection) -> list[list[str]]:
    return strongly_connected(graph_edges(connection))


def cycle_if_added(connection: sqlite3.Connection, issue: str, depends_on: str) -> list[str] | None:
    """The cycle that `issue` waiting for `depends_on` would close, or None."""
    if issue == depends_on:
        return [issue, issue]
    path = path_between(graph_edges(connection), depends_on, issue)
    return [issue, *path] if path else None


def dependency_tree(
    connection: sqlite3.Connection, root: str, *, reverse: bool = False, max_depth: int = 50
) -> list[dict[str, Any]]:
    """Depth-first walk of what `root` depends on (or, reversed, what depends on it)."""
    if reverse:
        query = "SELECT issue_id, type FROM deps WHERE depends_on_id = ? ORDER BY issue_id"
    else:
        query = "SELECT depends_on_id, type FROM deps WHERE issue_id = ? ORDER BY depends_on_id"
    rows: list[dict[str, Any]] = []
    seen = {root}
    work: list[tuple[str, int, str | None, str | None, bool]] = [(root, 0, None, None, False)]
    while work:
        bead_id, depth, parent, dep_type, repeat = work.pop()
        found = connection.execute(
            "SELECT title, status, priority FROM beads WHERE id = ?", (bead_id,)
        ).fetchone()
        title, status, priority = found if found else (None, "missing", None)
        rows.append({"id": bead_id, "title": title, "status": status, "priority": priority,
                     "depth": depth, "parent_id": parent, "dep_type": dep_type,
                     "repeat": repeat, "truncated": depth >= max_depth and not repeat})  # fmt: skip
        if depth >= max_depth or repeat:
            continue
        children = connection.execute(query, (bead_id,)).fetchall()
        for child, child_type in reversed(children):
            work.append((child, depth + 1, bead_id, child_type, child in seen))
            seen.add(child)
    return rows


def molecule_steps(connection: sqlite3.Connection, root: str) -> list[str]:
    """Ids of the live step beads of molecule `root` (children naming it in their metadata)."""
    types = PARENT_TYPES
    rows = connection.execute(
        "SELECT b.id, b.record FROM deps d JOIN beads b ON b.id = d.issue_id "
        f"WHERE d.depends_on_id = ? AND d.type IN ({','.join('?' * len(types))}) "
        "AND b.tombstone = 0",
        (root, *types),
    ).fetchall()
    found = []
    for bead_id, blob in rows:
        metadata = json_codec.loads(blob).get("metadata")
        if isinstance(metadata, dict) and metadata.get("molecule") == root:
            found.append(bead_id)
    return found


def newest_molecule_for(connection: sqlite3.Connection, assignee: str) -> str | None:
    """The molecule of the newest unclosed step assigned to `assignee`, if any."""
    for (blob,) in connection.execute(
        "SELECT record FROM beads WHERE assignee = ? AND status != 'closed' AND tombstone = 0 "
        "ORDER BY created_key DESC, id DESC",
        (assignee,),
    ):
        metadata = json_codec.loads(blob).get("metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("molecule"), str):
            return str(metadata["molecule"])
    return None
