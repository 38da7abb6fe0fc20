"""Moving a molecule on after one of its steps closed (`bd close --continue`): claim the next
ready step for the closed step's owner, or close the molecule when every step is closed.

Runs inside the caller's write transaction, so the close and what follows land in one batch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core import molecule_rules as mol
from gastown_tui.core import record as rec
from gastown_tui.store.bead_queries import molecule_steps
from gastown_tui.store.write_transaction import WriteTransaction


class NotAStep(ValueError):
    """The closed bead belongs to no molecule: there is nothing to continue to."""


@dataclass(frozen=True)
class MoleculeProgress:
    closed: str
    next: str | None
    next_step: str | None
    complete: bool

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def continue_molecule(tx: WriteTransaction, step: rec.Record, actor: str) -> MoleculeProgress:
    """After closing `step` in this batch: claim the next ready step, or close the molecule."""
    root = mol.molecule_of(step)
    if root is None:
        raise NotAStep(f"{step['id']} is not a step of a molecule: nothing to continue to")
    members = [r for r in (tx.get(i) for i in molecule_steps(tx.connection, root)) if r]
    following = mol.next_ready(members, tx.get)
    if following is not None:
        ts = tx.stamp()
        owner = step.get("assignee") or actor
        changes: dict[str, Any] = {"status": "in_progress", "assignee": owner}
        if "started_at" not in following:
            changes["started_at"] = ts
        tx.emit(ev.CLAIM, following["id"], {"set": changes}, ts)
        return MoleculeProgress(step["id"], following["id"], mol.step_name(following), False)
    complete = all(rec.status_of(r) == rec.CLOSED for r in members)
    root_record = tx.get(root)
    if complete and root_record is not None and rec.status_of(root_record) != rec.CLOSED:
        ts = tx.stamp()
        tx.emit(ev.CLOSE, root, {"set": {"status": rec.CLOSED, "closed_at": ts,
                                         "close_reason": "molecule complete"}}, ts)  # fmt: skip
    return MoleculeProgress(step["id"], None, None, complete)
