"""Closing what is left of a work bead's molecule: at `gt done` (the submit step that ran it),
or when the work is taken off the hook (unsling, nuke), so no step is left claimed by nobody.
"""

from __future__ import annotations

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.store.bead_queries import molecule_steps
from gastown_tui.store.write_transaction import WriteTransaction


def close_molecule(tx: WriteTransaction, bead: rec.Record, *, steps_reason: str,
                   root_reason: str) -> None:  # fmt: skip
    root = rec.metadata_of(bead).get("molecule")
    if not isinstance(root, str) or tx.get(root) is None:
        return
    for step_id in molecule_steps(tx.connection, root):
        step = tx.get(step_id)
        if step is not None and rec.status_of(step) not in (rec.CLOSED, rec.TOMBSTONE):
            ts = tx.stamp()
            closed = {"status": rec.CLOSED, "closed_at": ts, "close_reason": steps_reason}
            tx.emit(ev.CLOSE, step_id, {"set": closed}, ts)
    root_record = tx.get(root)
    if root_record is not None and rec.status_of(root_record) != rec.CLOSED:
        ts = tx.stamp()
        closed = {"status": rec.CLOSED, "closed_at": ts, "close_reason": root_reason}
        tx.emit(ev.CLOSE, root, {"set": closed}, ts)
