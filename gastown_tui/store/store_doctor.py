"""`bd doctor`: checks of a store's health, and the fixes that are safe to make unasked.

Each check says ok, warning or error with a message; `fix` repairs what can be repaired without
judgement (orphaned dependency edges, a stale `issues.jsonl` export) and leaves the rest
(malformed log lines, dependency cycles) to the user, saying what to do. The pollution check
finds beads that look like test leftovers (`bd doctor --check=pollution`), which `clean`
deletes; `validate` runs the data-integrity checks alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gastown_tui.store.bead_edits.store_cleanup import orphan_edges, repair_dependencies
from gastown_tui.store.bead_queries import find_cycles
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.issues_export import export_payload, write_atomically

_TEST_TITLE = re.compile(r"^\s*(test|testing|tmp|temp|dummy|benchmark)\b", re.IGNORECASE)


@dataclass
class Check:
    name: str
    status: str  # "ok", "warning" or "error"
    message: str
    fix: str = ""
    fixed: bool = False

    def as_json(self) -> dict[str, object]:
        shown: dict[str, object] = {
            "name": self.name,
            "status": self.status,
            "message": self.message,
        }
        if self.fix:
            shown["fix"] = self.fix
        if self.fixed:
            shown["fixed"] = True
        return shown


@dataclass
class DoctorReport:
    path: str
    checks: list[Check] = field(default_factory=list)

    @property
    def overall_ok(self) -> bool:
        return all(check.status == "ok" or check.fixed for check in self.checks)

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "checks": [c.as_json() for c in self.checks],
            "overall_ok": self.overall_ok,
        }

    def as_validation_json(self) -> dict[str, object]:
        """`--check=validate`'s shape: the checks keyed by name."""
        return {
            "path": self.path,
            "checks": {c.name: c.as_json() for c in self.checks},
            "overall_ok": self.overall_ok,
        }


def _log_check(store: BeadsStore) -> Check:
    malformed = store.connection.execute("SELECT COUNT(*) FROM problems").fetchone()[0]
    position = store.projection.position()
    size = store.paths.events.stat().st_size if store.paths.events.exists() else 0
    if position.offset != size:
        return Check(
            "projection",
            "error",
            f"the projection has read {position.offset} of {size} log bytes",
            fix="bd rebuild",
        )
    if malformed:
        return Check(
            "log",
            "warning",
            f"{malformed} malformed line(s) in events.jsonl are skipped",
            fix="see 'bd rebuild' for the line numbers; fix or remove them by hand",
        )
    return Check("log", "ok", f"{position.applied} events read, every line parsed")


def _orphans_check(store: BeadsStore, actor: str, fix: bool) -> Check:
    orphans = orphan_edges(store)
    if not orphans:
        return Check("orphaned_dependencies", "ok", "every dependency points at a live bead")
    check = Check(
        "orphaned_dependencies",
        "warning",
        f"{len(orphans)} dependencies point at missing or deleted beads",
        fix="bd repair-deps --fix",
    )
    if fix:
        repair_dependencies(store, actor, fix=True)
        check.fixed = True
    return check


def _cycles_check(store: BeadsStore) -> Check:
    cycles = find_cycles(store.connection)
    if not cycles:
        return Check("dependency_cycles", "ok", "no dependency cycles")
    shown = "; ".join(" -> ".join(cycle) for cycle in cycles[:5])
    return Check(
        "dependency_cycles",
        "warning",
        f"{len(cycles)} cycle(s): {shown}",
        fix="bd dep remove one edge of each (see bd dep cycles)",
    )


def _export_check(store: BeadsStore, fix: bool) -> Check:
    if not store.config.export_auto:
        return Check("export", "ok", "export.auto is off: issues.jsonl is written by bd export")
    payload, count = export_payload(store, include_wisps=False)
    path = store.paths.issues_export
    if path.exists() and path.read_bytes() == payload:
        return Check("export", "ok", f"{path.name} is current ({count} issues)")
    check = Check("export", "warning", f"{path.name} is missing or stale", fix="bd export")
    if fix:
        write_atomically(path, payload)
        check.fixed = True
    return check


def diagnose(store: BeadsStore, actor: str, *, fix: bool) -> DoctorReport:
    """Every check, fixing the safe ones when `fix`."""
    report = DoctorReport(str(store.paths.root))
    report.checks.append(Check("config", "ok", f"prefix {store.config.prefix!r}"))
    report.checks.append(_log_check(store))
    report.checks.append(_orphans_check(store, actor, fix))
    report.checks.append(_cycles_check(store))
    report.checks.append(_export_check(store, fix))
    return report


def validate(store: BeadsStore, actor: str, *, fix: bool) -> DoctorReport:
    """The data-integrity checks alone (`bd doctor --check=validate`)."""
    checks = [_log_check(store), _orphans_check(store, actor, fix), _cycles_check(store)]
    return DoctorReport(str(store.paths.root), checks)


def polluted(store: BeadsStore) -> list[dict[str, str]]:
    """Live beads whose title looks like a test leftover (`test …`, `tmp …`, `dummy …`)."""
    rows = store.connection.execute(
        "SELECT id, title, status FROM beads WHERE tombstone = 0 ORDER BY id"
    ).fetchall()
    return [
        {"id": bead_id, "title": title, "status": status}
        for bead_id, title, status in rows
        if _TEST_TITLE.match(title)
    ]
