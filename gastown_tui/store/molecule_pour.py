"""Pouring a cooked formula into the store: a molecule root (an epic) and one bead per step.

Used by `bd mol pour|wisp` and by `gt sling`, inside the caller's write transaction so the
molecule lands in the same batch as whatever else the caller writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core.formula_model import Protomolecule
from gastown_tui.store.write_transaction import WriteTransaction


@dataclass(frozen=True)
class PouredMolecule:
    root: str
    steps: list[tuple[str, str, str]]  # (step id, bead id, title), in needs order


def _edge(issue: str, target: str, dep_type: str, ts: str, actor: str) -> dict[str, Any]:
    return {"issue_id": issue, "depends_on_id": target, "type": dep_type, "created_at": ts,
            "created_by": actor}  # fmt: skip


def pour_molecule(
    tx: WriteTransaction,
    proto: Protomolecule,
    *,
    wisp: bool,
    assignee: str | None,
    extra_metadata: dict[str, Any] | None = None,
    prefix: str | None = None,
) -> PouredMolecule:
    actor = tx.actor
    infix = "wisp" if wisp else "mol"
    values = dict(proto.values or {})
    label = next(iter(values.values()), "") if values else ""
    extra: dict[str, Any] = {"ephemeral": True} if wisp else {}
    owner = {"assignee": assignee} if assignee else {}
    root = tx.new_id(f"{proto.name}|{values}", infix=infix, prefix=prefix)
    ts = tx.stamp()
    tx.emit(ev.CREATE, root, {"record": {
        "id": root, "title": f"{proto.name}: {label}" if label else proto.name,
        "description": proto.description, "status": "open", "priority": 2,
        "issue_type": "epic", **owner, "created_at": ts, "created_by": actor,
        "updated_at": ts,
        "metadata": {"formula": proto.name, "vars": values, **(extra_metadata or {})},
        "labels": ["molecule"], **extra,
    }}, ts)  # fmt: skip
    bead_of: dict[str, str] = {}
    steps: list[tuple[str, str, str]] = []
    for index, step in enumerate(proto.steps):
        bead = tx.new_id(f"{root}|{step.id}", infix=infix, prefix=prefix)
        bead_of[step.id] = bead
        ts = tx.stamp()
        deps = [_edge(bead, root, "parent-child", ts, actor)]
        deps += [_edge(bead, bead_of[need], "blocks", ts, actor) for need in step.needs]
        record: dict[str, Any] = {"id": bead, "title": step.title}
        if step.description:
            record["description"] = step.description
        if step.acceptance:
            record["acceptance_criteria"] = step.acceptance
        priority = 2 if step.priority is None else step.priority
        metadata: dict[str, Any] = {"molecule": root, "step": step.id, "step_index": index}
        record.update({"status": "open", "priority": priority,
                       "issue_type": step.type or "task", **owner, "created_at": ts,
                       "created_by": actor, "updated_at": ts, "metadata": metadata})  # fmt: skip
        if step.labels:
            record["labels"] = sorted(step.labels)
        if step.gate is not None:  # a wait on something outside: a gate bead, as bd pours it
            record["issue_type"] = "gate"
            record["await_type"] = step.gate.type
            if step.gate.id:
                record["await_id"] = step.gate.id
            if step.gate.timeout:
                metadata["gate_timeout"] = step.gate.timeout
        record.update({"dependencies": deps, **extra})
        tx.emit(ev.CREATE, bead, {"record": record}, ts)
        steps.append((step.id, bead, step.title))
    return PouredMolecule(root, steps)
