"""Why a bead cannot start: the normative rule of DESIGN §3, as one pure function of its edges.

A bead is *held* when it is directly blocked (a blocking edge to a bead that is in the store
and neither closed nor a tombstone) or when an ancestor through parent edges, at most 50 steps
up, is directly blocked or deferred. The store supplies each bead's outgoing edges (fetched per
bead for `ready`, which stops after its limit, or all at once for `blocked`); this module
decides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gastown_tui.core.dependency_rules import ANCESTOR_DEPTH_LIMIT, is_blocking, is_parent_edge


@dataclass(frozen=True)
class Edge:
    """One outgoing dependency edge with what is known of its target."""

    dep_type: str
    target: str
    target_status: str | None  # None: the target is not in this store
    target_tombstone: bool = False
    target_deferred: bool = False  # deferred status or defer_until in the future, not closed

    @property
    def blocks(self) -> bool:
        return (
            is_blocking(self.dep_type)
            and self.target_status is not None
            and self.target_status != "closed"
            and not self.target_tombstone
        )

    @property
    def to_parent(self) -> bool:
        return is_parent_edge(self.dep_type) and self.target_status is not None


@dataclass(frozen=True)
class Hold:
    """A held bead: its direct blockers, or the ancestor it inherits the hold from."""

    blockers: tuple[str, ...]
    inherited_from: str | None
    depth: int


class HoldRule:
    """Memoised evaluation of the hold rule over a graph given edge by edge."""

    def __init__(self, edges_of: Callable[[str], Sequence[Edge]]) -> None:
        self._edges_of = edges_of
        self._memo: dict[str, Hold | None] = {}
        self._visiting: set[str] = set()

    def hold(self, bead_id: str) -> Hold | None:
        """Why `bead_id` is held, or None if nothing holds it."""
        if bead_id in self._memo:
            return self._memo[bead_id]
        if bead_id in self._visiting:
            return None  # a parent cycle: this path adds nothing
        self._visiting.add(bead_id)
        try:
            result = self._evaluate(bead_id)
        finally:
            self._visiting.discard(bead_id)
        self._memo[bead_id] = result
        return result

    def _evaluate(self, bead_id: str) -> Hold | None:
        edges = self._edges_of(bead_id)
        blockers = tuple(sorted(edge.target for edge in edges if edge.blocks))
        if blockers:
            return Hold(blockers, None, 0)
        nearest: Hold | None = None
        for edge in edges:
            if not edge.to_parent or edge.target_tombstone:
                continue
            if edge.target_deferred:
                candidate: Hold | None = Hold((), edge.target, 1)
            else:
                above = self.hold(edge.target)
                origin = (above.inherited_from or edge.target) if above else None
                candidate = Hold((), origin, above.depth + 1) if above else None
            if (
                candidate
                and candidate.depth <= ANCESTOR_DEPTH_LIMIT
                and (nearest is None or candidate.depth < nearest.depth)
            ):
                nearest = candidate
        return nearest
