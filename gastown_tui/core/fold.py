"""Applying events to bead records: the projection's whole semantics, as pure functions.

Callers apply events in ascending (ts, id) order, each id once; then the state is a function of
the set of events, so clones that union-merge their logs converge. This runs once per event
when a million-event log is rebuilt, so each op goes straight to its own small handler.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core.record import Record

Beads = MutableMapping[str, Record]


def apply_event(beads: Beads, event: ev.Event) -> bool:
    """Apply one event to `beads` in place; False when the op is unknown (skipped, counted)."""
    handler = HANDLERS.get(event["op"])
    if handler is None:
        return event["op"] in ev.NON_BEAD_OPS
    data = event.get("data")
    handler(beads, event.get("bead") or "", event, data if type(data) is dict else {})
    return True


def _import(beads: Beads, bead_id: str, event: ev.Event, data: dict[str, Any]) -> None:
    record = data.get("record")
    beads[bead_id] = dict(record) if type(record) is dict else {}


def _create(beads: Beads, bead_id: str, event: ev.Event, data: dict[str, Any]) -> None:
    incoming = data.get("record")
    incoming = dict(incoming) if type(incoming) is dict else {}
    existing = beads.get(bead_id)
    beads[bead_id] = {**existing, **incoming} if existing else incoming


def _fields(beads: Beads, bead_id: str, event: ev.Event, data: dict[str, Any]) -> None:
    record = beads.get(bead_id)
    if record is None:
        return  # an edit to a bead this store never saw: nothing to change
    assignments = data.get("set")
    if type(assignments) is dict:
        record.update(assignments)
    removals = data.get("unset")
    if type(removals) is list:
        for key in removals:
            if type(key) is str:
                record.pop(key, None)
    metadata_changes = data.get("metadata")
    if type(metadata_changes) is dict:
        _change_metadata(record, metadata_changes)
    record["updated_at"] = event["ts"]


def _change_metadata(record: Record, changes: dict[str, Any]) -> None:
    current = record.get("metadata")
    metadata = dict(current) if isinstance(current, dict) else {}
    for key, value in changes.items():
        if value is None:
            metadata.pop(key, None)
        else:
            metadata[key] = value
    if metadata:
        record["metadata"] = metadata
    else:
        record.pop("metadata", None)


def _label(beads: Beads, bead_id: str, event: ev.Event, data: dict[str, Any]) -> None:
    record = beads.get(bead_id)
    if record is None:
        return
    current = record.get("labels")
    labels = [x for x in current if isinstance(x, str)] if isinstance(current, list) else []
    label = str(data.get("label", ""))
    if event["op"] == ev.LABEL_ADD:
        if label not in labels:
            labels.append(label)
            labels.sort()
    elif label in labels:
        labels.remove(label)
    if labels:
        record["labels"] = labels
    else:
        record.pop("labels", None)
    record["updated_at"] = event["ts"]


def _dependency(beads: Beads, bead_id: str, event: ev.Event, data: dict[str, Any]) -> None:
    record = beads.get(bead_id)
    if record is None:
        return
    dependency = data.get("dependency") if event["op"] == ev.DEP_ADD else None
    if event["op"] == ev.DEP_ADD and not isinstance(dependency, dict):
        return
    target = dependency.get("depends_on_id") if dependency else data.get("depends_on_id")
    current = record.get("dependencies")
    kept = [
        dep for dep in (current if isinstance(current, list) else [])
        if isinstance(dep, dict) and dep.get("depends_on_id") != target
    ]  # fmt: skip
    if dependency:
        kept.append(dict(dependency))
    if kept:
        record["dependencies"] = kept
    else:
        record.pop("dependencies", None)
    record["updated_at"] = event["ts"]


def _comment(beads: Beads, bead_id: str, event: ev.Event, data: dict[str, Any]) -> None:
    record = beads.get(bead_id)
    comment = data.get("comment")
    if record is None or type(comment) is not dict:
        return
    current = record.get("comments")
    comments = list(current) if isinstance(current, list) else []
    if any(isinstance(c, dict) and c.get("id") == comment.get("id") for c in comments):
        return
    record["comments"] = [*comments, dict(comment)]
    record["updated_at"] = event["ts"]


Handler = Callable[[Beads, str, ev.Event, dict[str, Any]], None]
# The handler of each bead-changing op (the projection's rebuild loop dispatches through it).
HANDLERS: dict[str, Handler] = {
    ev.IMPORT: _import,
    ev.CREATE: _create,
    ev.LABEL_ADD: _label,
    ev.LABEL_REMOVE: _label,
    ev.DEP_ADD: _dependency,
    ev.DEP_REMOVE: _dependency,
    ev.COMMENT_ADD: _comment,
    **{op: _fields for op in ev.FIELD_OPS},
}
