"""Beads as the real CLI's `show`/`create`/`update`/`close --json` print them: `dependencies`
and `dependents` are the linked issues themselves, each with its `dependency_type`.

bd prints an `IssueWithDependencyMetadata` per edge: the other issue's own fields (without its
labels, edges or comments, which it does not load) plus the type of the edge. Edges to beads
this store does not hold (external or pruned ids) have no issue to show and are left out, as
bd's join leaves them out; `dependency_count` still counts them. Empty lists are omitted
(bd's `omitempty`). Comment ids are strings, as
bd has typed them since v0.61 (UUIDs), whatever era a comment was imported from.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from gastown_tui.core import record as rec
from gastown_tui.store import json_codec
from gastown_tui.store.bead_view import present

_NOT_LINKED = frozenset({"labels", "dependencies", "comments"})


def _linked(record: rec.Record, dependency_type: str) -> dict[str, Any]:
    view = {key: value for key, value in rec.in_go_order(record) if key not in _NOT_LINKED}
    view.setdefault("status", rec.status_of(record))
    view.setdefault("issue_type", rec.type_of(record))
    view.setdefault("priority", rec.priority_of(record))
    view["dependency_type"] = dependency_type
    return view


def _records_by_id(connection: sqlite3.Connection, ids: set[str]) -> dict[str, rec.Record]:
    found: dict[str, rec.Record] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = connection.execute(
            f"SELECT record FROM beads WHERE tombstone = 0 AND id IN ({marks})", chunk
        )
        for (blob,) in rows:
            record = json_codec.loads(blob)
            found[str(record.get("id", ""))] = record
    return found


def _dependent_edges(connection: sqlite3.Connection, bead_id: str) -> list[tuple[str, str]]:
    return connection.execute(
        "SELECT d.issue_id, d.type FROM deps d JOIN beads b ON b.id = d.issue_id "
        "WHERE d.depends_on_id = ? AND b.tombstone = 0 ORDER BY d.issue_id, d.type",
        (bead_id,),
    ).fetchall()


def with_links(
    records: Sequence[rec.Record], connection: sqlite3.Connection
) -> list[dict[str, Any]]:
    """Each record as `present` shows it, with linked `dependencies` and `dependents`."""
    views = present(records, connection)
    edges_in = {str(view["id"]): _dependent_edges(connection, str(view["id"])) for view in views}
    wanted = {str(dep.get("depends_on_id")) for r in records for dep in rec.dependencies_of(r)}
    wanted.update(issue for edges in edges_in.values() for issue, _ in edges)
    linked = _records_by_id(connection, wanted)
    for record, view in zip(records, views, strict=True):
        dependencies = [
            _linked(linked[target], str(dep.get("type") or "blocks"))
            for dep in rec.dependencies_of(record)
            if (target := str(dep.get("depends_on_id"))) in linked
        ]
        dependents = [
            _linked(linked[issue], dep_type)
            for issue, dep_type in edges_in[str(view["id"])]
            if issue in linked
        ]
        view.pop("dependencies", None)  # both omitted when empty, as Go's omitempty does
        if dependencies:
            view["dependencies"] = dependencies
        if dependents:
            view["dependents"] = dependents
        if "comments" in view:
            view["comments"] = comment_views(record)
    return views


def comment_views(record: rec.Record) -> list[dict[str, Any]]:
    """The record's comments with string ids (legacy integer ids become their decimal text)."""
    return [
        {**comment, "id": str(comment["id"])} if "id" in comment else comment
        for comment in rec.comments_of(record)
    ]
