"""Walking a poured molecule: which steps are done, current, ready or blocked, and what is next.

A molecule is a root bead plus one bead per step; a step bead carries `metadata.molecule` (the
root), `metadata.step` and `metadata.step_index`, and a `blocks` edge to the bead of each step it
needs. The Batch-Closure Heresy is closing a step while something it needs is still open.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gastown_tui.core import record as rec
from gastown_tui.core.dependency_rules import is_blocking

Lookup = Callable[[str], rec.Record | None]


def molecule_of(record: rec.Record) -> str | None:
    molecule = rec.metadata_of(record).get("molecule")
    return molecule if isinstance(molecule, str) and molecule else None


def step_name(record: rec.Record) -> str:
    return str(rec.metadata_of(record).get("step", record.get("id", "")))


def step_index(record: rec.Record) -> int:
    index = rec.metadata_of(record).get("step_index")
    return index if isinstance(index, int) else 0


def open_needs(record: rec.Record, lookup: Lookup) -> list[str]:
    """Ids of the beads this step waits for that are neither closed nor deleted."""
    waiting = []
    for dep in rec.dependencies_of(record):
        dep_type, target = dep.get("type", "blocks"), dep.get("depends_on_id")
        if not isinstance(target, str) or not isinstance(dep_type, str):
            continue
        needed = lookup(target) if is_blocking(dep_type) else None
        if (
            needed is not None
            and rec.status_of(needed) != rec.CLOSED
            and not rec.is_tombstone(needed)
        ):
            waiting.append(target)
    return waiting


def state_of(record: rec.Record, lookup: Lookup) -> str:
    """done, current, ready or blocked."""
    status = rec.status_of(record)
    if status == rec.CLOSED:
        return "done"
    if status in ("in_progress", "hooked"):
        return "current"
    return "blocked" if open_needs(record, lookup) else "ready"


def next_ready(steps: Sequence[rec.Record], lookup: Lookup) -> rec.Record | None:
    """The open step, lowest in step order, whose needs are all closed; None if there is none.

    Gates are never claimed: something outside the molecule (a person, CI) closes them.
    """
    for step in sorted(steps, key=step_index):
        if (
            rec.status_of(step) == "open"
            and rec.type_of(step) != "gate"
            and not open_needs(step, lookup)
        ):
            return step
    return None
