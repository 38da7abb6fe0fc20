"""Importing an `issues.jsonl` of any beads era (`bd import`, `bd init` over an old export)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gastown_tui.store.bead_edits.refusals import FileUnreadable
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.issues_export import export_if_automatic
from gastown_tui.store.issues_import import import_records, read_issues_file


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: records logged, records already as given, lines skipped and why
    (`PATH:N: reason`, 1-based)."""

    path: str
    imported: int
    unchanged: int
    skipped: int
    problems: tuple[str, ...]

    @property
    def read_anything(self) -> bool:
        return self.imported + self.unchanged > 0

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "imported": self.imported, "unchanged": self.unchanged,
                "skipped": self.skipped, "problems": list(self.problems)}  # fmt: skip


def import_issues_file(store: BeadsStore, actor: str, path: Path) -> ImportSummary:
    """Log an `import` event for every record of `path` that differs from the store's."""
    try:
        parsed = read_issues_file(path)
    except OSError as error:
        raise FileUnreadable(f"cannot read {path}: {error.strerror}") from error
    changed = import_records(store, actor, parsed.records)
    export_if_automatic(store)
    return ImportSummary(str(path), changed, len(parsed.records) - changed,
                         len(parsed.problems), tuple(parsed.problem_lines()))  # fmt: skip
