"""Dependency edges between beads (`bd dep add|remove`). `A depends on B` = A waits for B."""

from __future__ import annotations

from typing import TypedDict

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.dependency_rules import is_blocking, is_parent_edge
from gastown_tui.store.bead_edits.refusals import DependencyRefused, require
from gastown_tui.store.bead_queries import cycle_if_added
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.issues_export import export_if_automatic
from gastown_tui.store.write_transaction import write_transaction


class Dependency(TypedDict):
    """An edge as stored in the dependent bead's record."""

    issue_id: str
    depends_on_id: str
    type: str
    created_at: str
    created_by: str


class RemovedDependency(TypedDict):
    """What `remove_dependency` took away (the type of the first matching edge)."""

    issue_id: str
    depends_on_id: str
    type: str
    removed: bool


def add_dependency(
    store: BeadsStore, actor: str, issue: str, depends_on: str, dep_type: str
) -> Dependency:
    """Make `issue` depend on `depends_on`. A blocking or parent edge that would close a cycle
    is refused, as is an edge from a bead to itself."""
    if issue == depends_on:
        raise DependencyRefused(f"{issue} cannot depend on itself")
    with write_transaction(store, actor) as tx:
        require(tx, issue)
        require(tx, depends_on)
        if is_blocking(dep_type) or is_parent_edge(dep_type):
            cycle = cycle_if_added(tx.connection, issue, depends_on)
            if cycle:
                raise DependencyRefused(
                    f"refused: {issue} → {depends_on} would make a cycle: " + " → ".join(cycle)
                )
        ts = tx.stamp()
        dependency = Dependency(issue_id=issue, depends_on_id=depends_on, type=dep_type,
                                created_at=ts, created_by=actor)  # fmt: skip
        tx.emit(ev.DEP_ADD, issue, {"dependency": dict(dependency)}, ts)
    export_if_automatic(store)
    return dependency


def remove_dependency(
    store: BeadsStore, actor: str, issue: str, depends_on: str
) -> RemovedDependency:
    """Remove every edge from `issue` to `depends_on`; refused when there is none."""
    with write_transaction(store, actor) as tx:
        record = require(tx, issue)
        edges = [d for d in rec.dependencies_of(record) if d.get("depends_on_id") == depends_on]
        if not edges:
            raise DependencyRefused(f"{issue} has no dependency on {depends_on}")
        tx.emit(ev.DEP_REMOVE, issue, {"depends_on_id": depends_on})
    export_if_automatic(store)
    return RemovedDependency(issue_id=issue, depends_on_id=depends_on,
                             type=edges[0].get("type", "blocks"), removed=True)  # fmt: skip
