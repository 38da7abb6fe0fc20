"""Reading a real beads `issues.jsonl` of any era (DESIGN §3, "Reading real beads data").

Every line is kept as given (unknown keys, original timestamp strings); the keys bd's export
computes are dropped (they are recomputed on output). A bad line is reported as `PATH:N: reason`
and skipped; nothing valid is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gastown_tui.core.events import IMPORT
from gastown_tui.core.record import EXPORT_ONLY_KEYS, Record
from gastown_tui.store import json_codec
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.gc_pause import paused_garbage_collection
from gastown_tui.store.write_transaction import write_transaction

IMPORT_BATCH = 10_000  # records per transaction: bounded memory, and a re-run skips what landed

BOM = b"\xef\xbb\xbf"


@dataclass
class IssuesFile:
    """The records read from one file, and the lines that could not be read."""

    path: Path
    records: list[Record] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)

    def problem_lines(self) -> list[str]:
        return [f"{self.path}:{number}: {reason}" for number, reason in self.problems]


def _line_problem(value: object) -> str | None:
    if not isinstance(value, dict):
        return f"not a JSON object (a {type(value).__name__})"
    bead_id = value.get("id")
    if not isinstance(bead_id, str) or not bead_id.strip():
        return "record has no 'id' string"
    if value.get("_type", "issue") != "issue":
        return f"skipped a {value.get('_type')!r} line (only issues are imported)"
    return None


def read_issues_file(path: Path) -> IssuesFile:
    data = path.read_bytes()
    if data.startswith(BOM):
        data = data[len(BOM) :]
    result = IssuesFile(path)
    with paused_garbage_collection():  # many records kept, no cycles among them
        _read_lines(data, result)
    return result


def _read_lines(data: bytes, result: IssuesFile) -> None:
    lines = data.split(b"\n")
    unterminated = not data.endswith(b"\n")
    for number, raw in enumerate(lines, 1):
        text = raw[:-1] if raw.endswith(b"\r") else raw
        if not text.strip():
            continue
        try:
            value = json_codec.loads(text)
        except ValueError as error:
            last = unterminated and number == len(lines)
            reason = "torn last line (no newline, incomplete JSON)" if last else "invalid JSON"
            result.problems.append((number, f"{reason}: {_short(str(error))}"))
            continue
        problem = _line_problem(value)
        if problem:
            result.problems.append((number, problem))
            continue
        for key in EXPORT_ONLY_KEYS:  # the dict is freshly parsed: drop them in place
            value.pop(key, None)
        result.records.append(value)


def _short(message: str) -> str:
    first = message.splitlines()[0] if message else "unreadable"
    return first[:160]


def import_records(store: BeadsStore, actor: str, records: list[Record]) -> int:
    """Log an `import` event for every record that differs from the store's; the count.

    Large imports go in batches of IMPORT_BATCH records, each one atomic; importing the same
    file again changes nothing, so an interrupted import is finished by running it again.
    """
    changed = 0
    with paused_garbage_collection():
        for start in range(0, len(records), IMPORT_BATCH):
            changed += _import_batch(store, actor, records[start : start + IMPORT_BATCH])
    return changed


def _import_batch(store: BeadsStore, actor: str, records: list[Record]) -> int:
    with write_transaction(store, actor) as tx:
        tx.cache.preload(record["id"] for record in records)
        latest: dict[str, Record] = {}
        items = []
        for record in records:
            bead_id = record["id"]
            current = latest[bead_id] if bead_id in latest else tx.get(bead_id)
            if current == record:
                continue
            latest[bead_id] = record
            items.append((IMPORT, bead_id, {"record": record}))
        tx.emit_many(items)
    return len(items)
