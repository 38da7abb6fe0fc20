"""The bead record: a beads `issues.jsonl` object kept exactly as given.

A record is a plain dict. Keys we do not know are kept verbatim; timestamps stay the strings
they were. `GO_FIELD_ORDER` is the order Go bd serialises its Issue struct in, which is the
order `bd export` writes; keys outside it follow in their original order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

Record = dict[str, Any]

GO_FIELD_ORDER: tuple[str, ...] = (
    "_type", "id", "content_hash", "title", "description", "design", "acceptance_criteria", "notes",
    "spec_id", "status", "priority", "issue_type", "assignee", "owner", "estimated_minutes",
    "created_at", "created_by", "updated_at", "started_at", "closed_at", "close_reason",
    "closed_by_session", "due_at", "defer_until", "external_ref", "source_system", "source_repo",
    "source_repo_path", "metadata", "compaction_level", "compacted_at", "compacted_at_commit",
    "original_size", "labels", "dependencies", "comments", "deleted_at", "deleted_by",
    "delete_reason", "original_type", "sender", "ephemeral", "wisp", "no_history", "wisp_type",
    "pinned", "is_template", "bonded_from", "await_type", "await_id", "timeout", "waiters",
    "source_formula", "source_location", "hook_bead", "role_bead", "agent_state", "last_activity",
    "role_type", "rig", "mol_type", "work_type", "event_kind", "actor", "target", "payload",
)  # fmt: skip
_ORDER_INDEX = {key: index for index, key in enumerate(GO_FIELD_ORDER)}

# Keys that bd's export computes; they are recomputed on output rather than stored. (`_type`,
# the line's kind, is kept as given: it is always "issue" for the records we hold.)
EXPORT_ONLY_KEYS = frozenset({"dependency_count", "dependent_count", "comment_count", "parent"})

TOMBSTONE = "tombstone"
CLOSED = "closed"
DEFAULT_STATUS = "open"
DEFAULT_TYPE = "task"
DEFAULT_PRIORITY = 2


def status_of(record: Mapping[str, Any]) -> str:
    status = record.get("status")
    return status if isinstance(status, str) and status else DEFAULT_STATUS


def type_of(record: Mapping[str, Any]) -> str:
    issue_type = record.get("issue_type")
    return issue_type if isinstance(issue_type, str) and issue_type else DEFAULT_TYPE


def priority_of(record: Mapping[str, Any]) -> int:
    """bd never omits priority; a missing one decodes as 0 in Go, so it does here too."""
    value = record.get("priority")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def is_tombstone(record: Mapping[str, Any]) -> bool:
    return record.get("status") == TOMBSTONE


def is_ephemeral(record: Mapping[str, Any]) -> bool:
    """Wisps: `ephemeral: true`, or the short-lived `wisp: true` spelling of bd v0.33-0.37."""
    return record.get("ephemeral") is True or record.get("wisp") is True


def is_pinned(record: Mapping[str, Any]) -> bool:
    return record.get("pinned") is True or record.get("status") == "pinned"


def metadata_of(record: Mapping[str, Any]) -> dict[str, Any]:
    metadata = record.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def in_go_order(record: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Items in Go bd's field order; unknown keys after, in their original order."""
    known = sorted((key for key in record if key in _ORDER_INDEX), key=_ORDER_INDEX.__getitem__)
    yield from ((key, record[key]) for key in known)
    yield from ((key, value) for key, value in record.items() if key not in _ORDER_INDEX)


def dependencies_of(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    return dependency_list(record.get("dependencies"))


def dependency_list(deps: object) -> list[dict[str, Any]]:
    """The usable entries of a `dependencies` value (what a record holds, or held)."""
    return [dep for dep in deps if isinstance(dep, dict)] if isinstance(deps, list) else []


def labels_of(record: Mapping[str, Any]) -> list[str]:
    return label_list(record.get("labels"))


def label_list(labels: object) -> list[str]:
    """The usable entries of a `labels` value (what a record holds, or held)."""
    return [label for label in labels if isinstance(label, str)] if isinstance(labels, list) else []


def comments_of(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    comments = record.get("comments")
    if not isinstance(comments, list):
        return []
    return [comment for comment in comments if isinstance(comment, dict)]
