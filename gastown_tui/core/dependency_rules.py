"""Which dependency edges block work, and which make a bead a child of another.

Normative (DESIGN §3): blocking types include the spellings real files use (`blocked_by`),
parent edges include `parent` and `parent_child`. Every other type is an association and
never blocks. An edge `{issue_id: A, depends_on_id: B}` means A waits for B (or A is B's child).
"""

from __future__ import annotations

BLOCKING_TYPES: tuple[str, ...] = ("blocks", "waits-for", "conditional-blocks", "blocked_by")
PARENT_TYPES: tuple[str, ...] = ("parent-child", "parent", "parent_child")
ANCESTOR_DEPTH_LIMIT = 50

# Types that are never "ready work" even when open: infrastructure, not tasks.
NON_WORK_TYPES: tuple[str, ...] = (
    "merge-request", "gate", "molecule", "message", "agent", "role", "rig", "convoy", "escalation",
)  # fmt: skip


def is_blocking(dep_type: str) -> bool:
    return dep_type in BLOCKING_TYPES


def is_parent_edge(dep_type: str) -> bool:
    return dep_type in PARENT_TYPES
