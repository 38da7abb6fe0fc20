"""Creating a bead (`bd create`): one `create` event carrying the whole new record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.store.bead_edits.refusals import BeadExists, EditRefused, require
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.issues_export import export_if_automatic
from gastown_tui.store.town_rigs import UnknownRigError, rig_prefix
from gastown_tui.store.write_transaction import write_transaction


@dataclass(frozen=True)
class NewBead:
    """What a new bead is made of. Empty long texts are left out of the record.

    `dependencies` are (type, target) pairs, the parent included as ("parent-child", id);
    `bead_id` is an explicit id (else a hash id is made); `rig` files it under that rig's
    prefix and records it in `metadata.rig`.
    """

    title: str
    description: str | None = None
    design: str | None = None
    acceptance_criteria: str | None = None
    notes: str | None = None
    priority: int = 2
    issue_type: str = "task"
    assignee: str | None = None
    rig: str | None = None
    labels: tuple[str, ...] = ()
    dependencies: tuple[tuple[str, str], ...] = ()
    bead_id: str | None = None
    external_ref: str | None = None  # a link to the issue elsewhere (`gh-9`, a URL…), as bd's


def create_bead(store: BeadsStore, actor: str, new: NewBead) -> str:
    """Create the bead; its id. Refuses an unknown rig, a missing target, a taken id."""
    try:
        prefix = rig_prefix(store.paths.root, new.rig) if new.rig else None
    except UnknownRigError as error:
        raise EditRefused(str(error)) from error
    with write_transaction(store, actor) as tx:
        for _, target in new.dependencies:
            require(tx, target)
        if new.bead_id is not None:
            bead_id = new.bead_id
            if tx.get(bead_id) is not None:
                raise BeadExists(f"bead {bead_id!r} already exists")
        else:
            bead_id = tx.new_id(f"{new.title}|{new.description}|{actor}", prefix=prefix)
        ts = tx.stamp()
        tx.emit(ev.CREATE, bead_id, {"record": _record(new, bead_id, actor, ts)}, ts)
    export_if_automatic(store)
    return bead_id


def _record(new: NewBead, bead_id: str, actor: str, ts: str) -> dict[str, Any]:
    record: dict[str, Any] = {"id": bead_id, "title": new.title}
    for key in ("description", "design", "acceptance_criteria", "notes"):
        value = getattr(new, key)
        if value:
            record[key] = value
    record.update({"status": "open", "priority": new.priority, "issue_type": new.issue_type})
    if new.assignee:
        record["assignee"] = new.assignee
    record.update({"created_at": ts, "created_by": actor, "updated_at": ts})
    if new.external_ref:
        record["external_ref"] = new.external_ref
    if new.rig:
        record["metadata"] = {"rig": new.rig}
    if new.labels:
        record["labels"] = list(new.labels)
    if new.dependencies:
        record["dependencies"] = [
            {"issue_id": bead_id, "depends_on_id": target, "type": dep_type,
             "created_at": ts, "created_by": actor}
            for dep_type, target in new.dependencies
        ]  # fmt: skip
    return record
