"""Molecules as whole things (`bd mol pour|wisp|squash|burn`, `bd cook --persist`).

A molecule is a poured formula: a root epic and one bead per step. Squashing replaces it by one
closed digest bead that lists its steps; burning removes it without a trace but the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core import molecule_rules as mol
from gastown_tui.core import record as rec
from gastown_tui.core.formula_model import Protomolecule
from gastown_tui.store.bead_edits.refusals import TemplateRefused, require
from gastown_tui.store.bead_queries import molecule_steps
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.molecule_pour import PouredMolecule, pour_molecule
from gastown_tui.store.write_transaction import WriteTransaction, write_transaction


@dataclass(frozen=True)
class RemovedMolecule:
    """The beads a squash or burn turned into tombstones (steps first, root last), and the
    digest bead a squash left in their place."""

    removed: tuple[str, ...]
    digest: str | None = None


def pour_formula(
    store: BeadsStore, actor: str, proto: Protomolecule, *, wisp: bool, assignee: str | None
) -> PouredMolecule:
    """Pour a cooked formula as a molecule (or, with `wisp`, an ephemeral one), in one batch."""
    with write_transaction(store, actor) as tx:
        return pour_molecule(tx, proto, wisp=wisp, assignee=assignee)


def squash_molecule(store: BeadsStore, actor: str, bead_id: str) -> RemovedMolecule:
    """Replace the molecule of `bead_id` (its root or a step) by a closed digest bead."""
    return _remove(store, actor, bead_id, digest=True)


def burn_molecule(store: BeadsStore, actor: str, bead_id: str) -> RemovedMolecule:
    """Delete the molecule of `bead_id` (its root or a step) and all its steps."""
    return _remove(store, actor, bead_id, digest=False)


def _remove(store: BeadsStore, actor: str, bead_id: str, *, digest: bool) -> RemovedMolecule:
    removed: list[str] = []
    digest_id = None
    with write_transaction(store, actor) as tx:
        root = mol.molecule_of(require(tx, bead_id)) or bead_id
        root_record = require(tx, root)
        steps = [r for r in (tx.get(i) for i in molecule_steps(tx.connection, root)) if r]
        steps.sort(key=mol.step_index)
        if digest:
            digest_id = _digest(tx, root_record, steps)
        for record in [*steps, root_record]:
            ts = tx.stamp()
            tx.emit(ev.DELETE, record["id"], {"set": {
                "status": rec.TOMBSTONE, "deleted_at": ts, "deleted_by": actor,
                "original_type": rec.type_of(record),
                "delete_reason": "squashed" if digest else "burned",
            }}, ts)  # fmt: skip
            removed.append(record["id"])
    return RemovedMolecule(tuple(removed), digest_id)


def _digest(tx: WriteTransaction, root_record: rec.Record, steps: list[rec.Record]) -> str:
    root = root_record["id"]
    digest_id = tx.new_id(f"digest|{root}")
    ts = tx.stamp()
    lines = [f"- {mol.step_name(s)}: {s.get('title', '')} — {rec.status_of(s)}"
             + (f" ({s['close_reason']})" if s.get("close_reason") else "")
             for s in steps]  # fmt: skip
    tx.emit(ev.CREATE, digest_id, {"record": {
        "id": digest_id, "title": f"Digest: {root_record.get('title', root)}",
        "description": "\n".join(lines), "status": rec.CLOSED, "priority": 4,
        "issue_type": "task", "created_at": ts, "created_by": tx.actor,
        "updated_at": ts, "closed_at": ts, "close_reason": "squashed",
        "metadata": {"squashed_from": root,
                     "formula": rec.metadata_of(root_record).get("formula")},
    }}, ts)  # fmt: skip
    return digest_id


def store_template(
    store: BeadsStore, actor: str, proto: Protomolecule, view: dict[str, Any]
) -> str:
    """Store a protomolecule as a template bead (`issue_type: molecule`, `is_template`), with
    the id real beads gives protos: the formula's name. Storing it again replaces it."""
    bead_id = proto.name
    with write_transaction(store, actor) as tx:
        ts = tx.stamp()
        existing = tx.get(bead_id)
        if existing is not None and existing.get("is_template") is not True:
            raise TemplateRefused(f"{bead_id!r} is already a bead that is not a template")
        record = {"id": bead_id, "title": f"{proto.name} (protomolecule)",
                  "description": proto.description, "status": "open", "priority": 2,
                  "issue_type": "molecule",
                  "created_at": existing.get("created_at", ts) if existing else ts,
                  "created_by": actor, "updated_at": ts, "labels": ["template"],
                  "metadata": {"formula": proto.name, "source": proto.source,
                               "protomolecule": view},
                  "is_template": True}  # fmt: skip
        tx.emit(ev.IMPORT if existing else ev.CREATE, bead_id, {"record": record}, ts)
    return bead_id
