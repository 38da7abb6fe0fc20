"""Applying events to bead records: the projection's whole semantics, as pure functions.

Callers apply events in ascending (ts, id) order, each id once; then the state is a function of
the set of events, so clones that union-merge their logs converge.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core.record import Record


def apply_event(beads: MutableMapping[str, Record], event: ev.Event) -> bool:
    """Apply one event to `beads` in place; False when the op is unknown (skipped, counted)."""
    op = event["op"]
    if op in ev.NON_BEAD_OPS:
        return True
    if op not in ev.BEAD_OPS:
        return False
    bead_id = event.get("bead") or ""
    data = event.get("data") or {}
    if op == ev.IMPORT:
        beads[bead_id] = dict(data.get("record") or {})
        return True
    if op == ev.CREATE:
        record = beads.get(bead_id)
        incoming = dict(data.get("record") or {})
        beads[bead_id] = {**record, **incoming} if record else incoming
        return True
    record = beads.get(bead_id)
    if record is None:
        return True  # an edit to a bead this store never saw: nothing to change
    _apply_change(record, op, data)
    record["updated_at"] = event["ts"]
    return True


def _apply_change(record: Record, op: str, data: dict[str, Any]) -> None:
    if op == ev.LABEL_ADD or op == ev.LABEL_REMOVE:
        _change_label(record, str(data.get("label", "")), add=op == ev.LABEL_ADD)
    elif op == ev.DEP_ADD:
        _add_dependency(record, data.get("dependency"))
    elif op == ev.DEP_REMOVE:
        _remove_dependency(record, data.get("depends_on_id"))
    elif op == ev.COMMENT_ADD:
        _add_comment(record, data.get("comment"))
    else:
        _apply_fields(record, data)


def _apply_fields(record: Record, data: dict[str, Any]) -> None:
    assignments = data.get("set")
    if isinstance(assignments, dict):
        record.update(assignments)
    removals = data.get("unset")
    if isinstance(removals, list):
        for key in removals:
            record.pop(key, None)
    metadata_changes = data.get("metadata")
    if isinstance(metadata_changes, dict):
        current = record.get("metadata")
        metadata = dict(current) if isinstance(current, dict) else {}
        for key, value in metadata_changes.items():
            if value is None:
                metadata.pop(key, None)
            else:
                metadata[key] = value
        if metadata:
            record["metadata"] = metadata
        else:
            record.pop("metadata", None)


def _change_label(record: Record, label: str, *, add: bool) -> None:
    current = record.get("labels")
    labels = set(current) if isinstance(current, list) else set()
    if add:
        labels.add(label)
    else:
        labels.discard(label)
    if labels:
        record["labels"] = sorted(labels)
    else:
        record.pop("labels", None)


def _add_dependency(record: Record, dependency: object) -> None:
    if not isinstance(dependency, dict):
        return
    target = dependency.get("depends_on_id")
    kept = [dep for dep in _deps(record) if dep.get("depends_on_id") != target]
    record["dependencies"] = [*kept, dict(dependency)]


def _remove_dependency(record: Record, target: object) -> None:
    kept = [dep for dep in _deps(record) if dep.get("depends_on_id") != target]
    if kept:
        record["dependencies"] = kept
    else:
        record.pop("dependencies", None)


def _add_comment(record: Record, comment: object) -> None:
    if not isinstance(comment, dict):
        return
    current = record.get("comments")
    comments = list(current) if isinstance(current, list) else []
    if any(isinstance(c, dict) and c.get("id") == comment.get("id") for c in comments):
        return
    record["comments"] = [*comments, dict(comment)]


def _deps(record: Record) -> list[dict[str, Any]]:
    deps = record.get("dependencies")
    return [d for d in deps if isinstance(d, dict)] if isinstance(deps, list) else []
