"""Details the control room reads on demand: one bead (description, links, history) and one
agent's molecule (its steps: done, current, ready, blocked). Typed and immutable, like the
snapshot; both work on any beads store, a town's or a plain project's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gastown_tui.core import molecule_rules as mol
from gastown_tui.core import record as rec
from gastown_tui.core.bead import Bead
from gastown_tui.store.bead_history import bead_events
from gastown_tui.store.bead_queries import molecule_steps
from gastown_tui.store.beads_store import BeadsStore


@dataclass(frozen=True)
class LinkedBead:
    """A dependency or dependent: the other bead, how it is linked, and its state."""

    id: str
    title: str
    status: str
    dependency_type: str


@dataclass(frozen=True)
class HistoryEntry:
    ts: str
    actor: str
    op: str
    data: dict[str, Any]


@dataclass(frozen=True)
class BeadDetail:
    bead: Bead
    description: str
    dependencies: tuple[LinkedBead, ...]  # what it waits for
    dependents: tuple[LinkedBead, ...]  # what waits for it
    history: tuple[HistoryEntry, ...]  # oldest first


@dataclass(frozen=True)
class StepView:
    id: str
    name: str
    title: str
    state: str  # done, current, ready, blocked


@dataclass(frozen=True)
class MoleculeView:
    id: str
    formula: str
    steps: tuple[StepView, ...]

    @property
    def done(self) -> int:
        return sum(1 for step in self.steps if step.state == "done")


def bead_detail(store: BeadsStore, bead_id: str) -> BeadDetail | None:
    record = store.get(bead_id)
    if record is None or rec.is_tombstone(record):
        return None
    dependencies = tuple(
        _linked(store, str(dep.get("depends_on_id")), str(dep.get("type") or "blocks"))
        for dep in rec.dependencies_of(record)
        if isinstance(dep.get("depends_on_id"), str)
    )
    dependents = tuple(
        _linked(store, str(issue), str(kind))
        for issue, kind in store.connection.execute(
            "SELECT issue_id, type FROM deps WHERE depends_on_id = ? ORDER BY issue_id",
            (bead_id,),
        )
    )
    history = tuple(
        HistoryEntry(
            str(event.get("ts", "")),
            str(event.get("actor") or ""),
            str(event.get("op", "")),
            event["data"] if isinstance(event.get("data"), dict) else {},
        )
        for event in bead_events(store, bead_id)
    )
    return BeadDetail(
        Bead.from_record(record),
        str(record.get("description") or ""),
        dependencies,
        dependents,
        history,
    )


def _linked(store: BeadsStore, bead_id: str, kind: str) -> LinkedBead:
    other = store.get(bead_id)
    if other is None:
        return LinkedBead(bead_id, "(missing)", "missing", kind)
    return LinkedBead(bead_id, str(other.get("title", "")), rec.status_of(other), kind)


def molecule_view(store: BeadsStore, bead_id: str) -> MoleculeView | None:
    """The molecule poured for `bead_id` (its `metadata.molecule`), or the bead's own molecule."""
    record = store.get(bead_id)
    if record is None:
        return None
    root = rec.metadata_of(record).get("molecule") or mol.molecule_of(record)
    if not isinstance(root, str):
        return None
    root_record = store.get(root)
    steps = [s for s in (store.get(i) for i in molecule_steps(store.connection, root)) if s]
    if root_record is None or not steps:
        return None
    steps.sort(key=mol.step_index)
    return MoleculeView(
        root,
        str(rec.metadata_of(root_record).get("formula") or ""),
        tuple(
            StepView(
                str(step["id"]),
                mol.step_name(step),
                str(step.get("title", "")),
                mol.state_of(step, store.get),
            )
            for step in steps
        ),
    )
