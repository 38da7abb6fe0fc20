"""`Bead`: the typed face of a bead record, as it crosses the engine API.

A record (`core.record.Record`) is the beads `issues.jsonl` object kept verbatim, unknown keys
and all; that dict is what `--json` prints and export writes. Engine functions hand out a
`Bead` instead: the fields every caller reads, typed and immutable, with the verbatim record
beside them for output. Building one copies nothing but the common fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gastown_tui.core import record as rec


@dataclass(frozen=True)
class Bead:
    """One bead: typed common fields, plus `record`, the verbatim beads object."""

    id: str
    title: str
    status: str
    priority: int
    issue_type: str
    assignee: str | None
    labels: tuple[str, ...]
    created_at: str
    updated_at: str
    record: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Bead:
        assignee = record.get("assignee")
        return cls(
            id=str(record.get("id", "")),
            title=_text(record.get("title")),
            status=rec.status_of(record),
            priority=rec.priority_of(record),
            issue_type=rec.type_of(record),
            assignee=assignee if isinstance(assignee, str) and assignee else None,
            labels=tuple(rec.labels_of(record)),
            created_at=_text(record.get("created_at")),
            updated_at=_text(record.get("updated_at")),
            record=record,
        )

    @property
    def metadata(self) -> Mapping[str, Any]:
        return rec.metadata_of(self.record)

    @property
    def is_closed(self) -> bool:
        return self.status == rec.CLOSED


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
