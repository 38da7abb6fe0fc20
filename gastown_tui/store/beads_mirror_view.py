"""What the beads browser shows of a mirror, as immutable data built off the UI thread.

`mirror_view` reads the mirror's projection once (records, ready and blocked sets) and returns a
`MirrorView`: the rows of the issues table, every issue's detail (its dependencies and
dependents with their status and title, its comments) and the counts of the header.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from gastown_tui.core import record as rec
from gastown_tui.core.record import Record
from gastown_tui.store import json_codec
from gastown_tui.store.beads_mirror import BeadsMirror
from gastown_tui.store.readiness import blocked, ready

VIEWS = ("open", "ready", "blocked", "all")


@dataclass(frozen=True)
class IssueRow:
    id: str
    title: str
    status: str
    priority: int
    issue_type: str
    assignee: str
    labels: tuple[str, ...]
    ready: bool
    blocked: bool

    def in_view(self, view: str) -> bool:
        if view == "ready":
            return self.ready
        if view == "blocked":
            return self.blocked
        if view == "open":
            return self.status != "closed"
        return True

    def matches(self, needle: str) -> bool:
        """Case-insensitive substring of the id, title, status, type, assignee or a label."""
        if not needle:
            return True
        haystack = " ".join(
            (self.id, self.title, self.status, self.issue_type, self.assignee, *self.labels)
        )
        return needle.casefold() in haystack.casefold()


@dataclass(frozen=True)
class DepLink:
    id: str
    type: str
    status: str  # "missing" when the other end is not in the mirror
    title: str


@dataclass(frozen=True)
class CommentView:
    author: str
    created_at: str
    text: str


@dataclass(frozen=True)
class IssueDetail:
    row: IssueRow
    description: str
    depends_on: tuple[DepLink, ...]
    dependents: tuple[DepLink, ...]
    comments: tuple[CommentView, ...]


@dataclass(frozen=True)
class MirrorView:
    source: str
    kind: str
    rows: tuple[IssueRow, ...]  # priority, created_at, id
    details: Mapping[str, IssueDetail]
    problems: tuple[str, ...]
    error: str | None = None

    def count(self, view: str) -> int:
        if view == "closed":
            return sum(row.status == "closed" for row in self.rows)
        return sum(row.in_view(view) for row in self.rows)

    def visible(self, view: str, needle: str = "") -> tuple[IssueRow, ...]:
        return tuple(row for row in self.rows if row.in_view(view) and row.matches(needle))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def mirror_view(mirror: BeadsMirror, error: str | None = None) -> MirrorView:
    connection = mirror.store.connection
    now = mirror.now()
    ready_ids = {str(record.get("id")) for record in ready(connection, now)}
    blocked_ids = {bead.bead_id for bead in blocked(connection, now)}
    records: dict[str, Record] = {}
    order = connection.execute(
        "SELECT id, record FROM beads WHERE tombstone = 0 ORDER BY priority, created_key, id"
    )
    for bead_id, blob in order:
        records[bead_id] = json_codec.loads(blob)
    rows = {
        bead_id: _row(bead_id, record, bead_id in ready_ids, bead_id in blocked_ids)
        for bead_id, record in records.items()
    }
    dependents: dict[str, list[DepLink]] = {}
    for bead_id, record in records.items():
        for dep in rec.dependencies_of(record):
            target = dep.get("depends_on_id")
            if isinstance(target, str) and target in records:
                link = DepLink(
                    bead_id,
                    _text(dep.get("type")) or "blocks",
                    rows[bead_id].status,
                    rows[bead_id].title,
                )
                dependents.setdefault(target, []).append(link)
    details = {
        bead_id: IssueDetail(
            rows[bead_id],
            _text(record.get("description")),
            tuple(_links(record, rows)),
            tuple(sorted(dependents.get(bead_id, ()), key=lambda link: link.id)),
            tuple(_comments(record)),
        )
        for bead_id, record in records.items()
    }
    return MirrorView(
        str(mirror.source.file),
        mirror.source.kind,
        tuple(rows.values()),
        MappingProxyType(details),
        mirror.problems,
        error,
    )


def _row(bead_id: str, record: Record, is_ready: bool, is_blocked: bool) -> IssueRow:
    return IssueRow(
        bead_id,
        _text(record.get("title")),
        rec.status_of(record),
        rec.priority_of(record),
        rec.type_of(record),
        _text(record.get("assignee")),
        tuple(rec.labels_of(record)),
        is_ready,
        is_blocked,
    )


def _links(record: Record, rows: Mapping[str, IssueRow]) -> list[DepLink]:
    links = []
    for dep in rec.dependencies_of(record):
        target = _text(dep.get("depends_on_id"))
        if not target:
            continue
        other = rows.get(target)
        links.append(
            DepLink(
                target,
                _text(dep.get("type")) or "blocks",
                other.status if other else "missing",
                other.title if other else "",
            )
        )
    return links


def _comments(record: Record) -> list[CommentView]:
    return [
        CommentView(
            _text(comment.get("author")),
            _text(comment.get("created_at")),
            _text(comment.get("text")),
        )
        for comment in rec.comments_of(record)
    ]
