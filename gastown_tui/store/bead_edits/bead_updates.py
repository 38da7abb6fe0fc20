"""Changing beads' fields, labels and metadata, and claiming them (`bd update`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.store.bead_edits.refusals import ClaimRefused, WrongState, require
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.issues_export import export_if_automatic
from gastown_tui.store.write_transaction import WriteTransaction, write_transaction


@dataclass(frozen=True)
class BeadChanges:
    """What to change on each bead; `None` leaves a field as it is.

    `assignee=""` unassigns. `metadata` pairs set keys, a `None` value removes the key.
    `set_labels` replaces the labels, then `add_labels` and `remove_labels` apply. `claim`
    assigns the bead to the actor and starts it, refused if someone else holds it.
    """

    title: str | None = None
    description: str | None = None
    design: str | None = None
    acceptance_criteria: str | None = None
    notes: str | None = None
    priority: int | None = None
    issue_type: str | None = None
    assignee: str | None = None
    status: str | None = None
    metadata: tuple[tuple[str, object], ...] = ()
    set_labels: tuple[str, ...] | None = None
    add_labels: tuple[str, ...] = ()
    remove_labels: tuple[str, ...] = ()
    claim: bool = False
    external_ref: str | None = None  # "" removes it


def update_beads(store: BeadsStore, actor: str, ids: Sequence[str], changes: BeadChanges) -> None:
    """Apply `changes` to every bead in `ids`, in one batch: all of them or none."""
    with write_transaction(store, actor) as tx:
        for bead_id in ids:
            record = require(tx, bead_id)
            if changes.claim:
                _claim(tx, bead_id, record)
            ts = tx.stamp()
            data = _field_changes(changes, record, ts)
            if data:
                tx.emit(ev.UPDATE, bead_id, data, ts)
            _relabel(tx, bead_id, record, changes)
    export_if_automatic(store)


def _claim(tx: WriteTransaction, bead_id: str, record: rec.Record) -> None:
    holder = record.get("assignee")
    if isinstance(holder, str) and holder and holder != tx.actor:
        raise ClaimRefused(f"{bead_id} is assigned to {holder}; not claiming it for {tx.actor}")
    if rec.status_of(record) == rec.CLOSED:
        raise WrongState(f"{bead_id} is closed; reopen it before claiming")
    ts = tx.stamp()
    claimed: dict[str, Any] = {"assignee": tx.actor, "status": "in_progress"}
    if "started_at" not in record:
        claimed["started_at"] = ts
    tx.emit(ev.CLAIM, bead_id, {"set": claimed}, ts)


def _field_changes(changes: BeadChanges, record: rec.Record, ts: str) -> dict[str, Any]:
    assignments: dict[str, Any] = {}
    removals: list[str] = []
    for key in ("title", "description", "design", "acceptance_criteria", "notes", "priority"):
        value = getattr(changes, key)
        if value is not None:
            assignments[key] = value
    if changes.issue_type is not None:
        assignments["issue_type"] = changes.issue_type
    if changes.external_ref is not None:
        if changes.external_ref:
            assignments["external_ref"] = changes.external_ref
        else:
            removals.append("external_ref")
    if changes.assignee is not None:
        if changes.assignee:
            assignments["assignee"] = changes.assignee
        else:
            removals.append("assignee")
    status = changes.status
    if status is not None and status != rec.status_of(record):
        assignments["status"] = status
        if status == rec.CLOSED:
            assignments["closed_at"] = ts
        elif rec.status_of(record) == rec.CLOSED:
            removals.extend(["closed_at", "close_reason"])  # both, whatever a clone may have set
        if status == "in_progress" and "started_at" not in record:
            assignments["started_at"] = ts
    data: dict[str, Any] = {}
    if assignments:
        data["set"] = assignments
    if removals:
        data["unset"] = removals
    metadata = dict(changes.metadata)
    if metadata:
        data["metadata"] = metadata
    return data


def _relabel(tx: WriteTransaction, bead_id: str, record: rec.Record, changes: BeadChanges) -> None:
    current = set(rec.labels_of(record))
    wanted = current if changes.set_labels is None else set(changes.set_labels)
    wanted = (wanted | set(changes.add_labels)) - set(changes.remove_labels)
    for label in sorted(wanted - current):
        tx.emit(ev.LABEL_ADD, bead_id, {"label": label})
    for label in sorted(current - wanted):
        tx.emit(ev.LABEL_REMOVE, bead_id, {"label": label})
