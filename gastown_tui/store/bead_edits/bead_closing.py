"""Closing, reopening and deleting beads (`bd close|reopen|delete`), and `bd close --continue`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.molecule_rules import molecule_of, open_needs, step_name
from gastown_tui.store.bead_edits.refusals import (
    NotAMolecule,
    OutOfOrderClose,
    WrongState,
    require,
)
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.issues_export import export_if_automatic
from gastown_tui.store.molecule_continue import MoleculeProgress, NotAStep, continue_molecule
from gastown_tui.store.write_transaction import WriteTransaction, write_transaction


def close_beads(
    store: BeadsStore, actor: str, ids: Sequence[str], *, reason: str | None, force: bool
) -> tuple[str, ...]:
    """Close every bead in `ids` that is open, in one batch; the ids that were already closed.

    A molecule step whose needs are open is refused (`OutOfOrderClose`), unless `force`, which
    closes it and records `metadata.out_of_order`.
    """
    already: list[str] = []
    with write_transaction(store, actor) as tx:
        for bead_id in ids:
            record = require(tx, bead_id)
            if rec.status_of(record) == rec.CLOSED:
                already.append(bead_id)
                continue
            _close(tx, record, reason, force)
    export_if_automatic(store)
    return tuple(already)


def close_and_continue(
    store: BeadsStore, actor: str, bead_id: str, *, reason: str | None, force: bool
) -> MoleculeProgress:
    """Close one molecule step and, in the same batch, claim the next ready step for its owner
    (or close the molecule when every step is closed)."""
    with write_transaction(store, actor) as tx:
        record = require(tx, bead_id)
        if rec.status_of(record) == rec.CLOSED:
            raise WrongState(f"{bead_id} is already closed")
        _close(tx, record, reason, force)
        try:
            progress = continue_molecule(tx, record, actor)
        except NotAStep as error:
            raise NotAMolecule(str(error)) from error
    export_if_automatic(store)
    return progress


def _close(tx: WriteTransaction, record: rec.Record, reason: str | None, force: bool) -> None:
    ts = tx.stamp()
    changes: dict[str, Any] = {"status": rec.CLOSED, "closed_at": ts}
    if reason:
        changes["close_reason"] = reason
    data: dict[str, Any] = {"set": changes}
    if _out_of_order(tx, record, force):
        data["metadata"] = {"out_of_order": True}
    tx.emit(ev.CLOSE, record["id"], data, ts)


def _out_of_order(tx: WriteTransaction, record: rec.Record, force: bool) -> bool:
    """Refuse to close a molecule step whose needs are open (the Batch-Closure Heresy),
    unless `force`, which closes it and records that it was out of order."""
    if molecule_of(record) is None:
        return False
    waiting = open_needs(record, tx.get)
    if not waiting:
        return False
    if force:
        return True
    named = ", ".join(f"{need} ({step_name(tx.get(need) or {})})" for need in waiting)
    raise OutOfOrderClose(
        f"refused: {record['id']} still needs {named}: closing it now is the Batch-Closure "
        "Heresy (steps close in order). Close those first, or use --force to record it as "
        "out of order."
    )


def reopen_beads(
    store: BeadsStore, actor: str, ids: Sequence[str], *, reason: str | None = None
) -> None:
    """Reopen closed beads, in one batch; a bead that is not closed refuses the whole batch.
    A `reason` is recorded as a comment on each, in the same batch (as the real CLI does)."""
    with write_transaction(store, actor) as tx:
        for bead_id in ids:
            record = require(tx, bead_id)
            if rec.status_of(record) != rec.CLOSED:
                raise WrongState(f"{bead_id} is not closed (status {rec.status_of(record)})")
            tx.emit(ev.REOPEN, bead_id, {"set": {"status": "open"},
                                         "unset": ["closed_at", "close_reason"]})  # fmt: skip
            if reason:
                ts = tx.stamp()
                comment = {"id": tx.new_event_id(), "issue_id": bead_id, "author": actor,
                           "text": reason, "created_at": ts}  # fmt: skip
                tx.emit(ev.COMMENT_ADD, bead_id, {"comment": comment}, ts)
    export_if_automatic(store)


def delete_beads(store: BeadsStore, actor: str, ids: Sequence[str], *, reason: str | None) -> None:
    """Turn beads into tombstones (kept, hidden), in one batch."""
    with write_transaction(store, actor) as tx:
        for bead_id in ids:
            record = require(tx, bead_id)
            ts = tx.stamp()
            changes = {"status": rec.TOMBSTONE, "deleted_at": ts, "deleted_by": actor,
                       "original_type": rec.type_of(record)}  # fmt: skip
            if reason:
                changes["delete_reason"] = reason
            tx.emit(ev.DELETE, bead_id, {"set": changes}, ts)
    export_if_automatic(store)
