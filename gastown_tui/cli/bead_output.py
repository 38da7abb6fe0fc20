"""Shared output steps of `bd` commands: presenting records and the automatic export."""

from __future__ import annotations

from typing import Any

from gastown_tui.cli.command_context import CommandContext
from gastown_tui.core.record import Record
from gastown_tui.store import issues_export
from gastown_tui.store.bead_view import present


def show_records(ctx: CommandContext, records: list[Record]) -> list[dict[str, Any]]:
    return present(records, ctx.store.connection)


def show_views(ctx: CommandContext, records: list[Record]) -> list[dict[str, Any]]:
    """What `bd show --json` prints for each record: the view plus the beads that depend on it."""
    views = show_records(ctx, records)
    for view in views:
        view["dependents"] = [
            {"id": issue_id, "type": dep_type}
            for issue_id, dep_type in ctx.store.connection.execute(
                "SELECT d.issue_id, d.type FROM deps d JOIN beads b ON b.id = d.issue_id "
                "WHERE d.depends_on_id = ? AND b.tombstone = 0 ORDER BY d.issue_id",
                (view["id"],),
            )
        ]
    return views


def export_payload(ctx: CommandContext, *, include_wisps: bool) -> tuple[bytes, int]:
    return issues_export.export_payload(ctx.store, include_wisps=include_wisps)


def export_if_automatic(ctx: CommandContext) -> None:
    """With `export.auto = true`, keep `.beads/issues.jsonl` current after every change."""
    issues_export.export_if_automatic(ctx.store)
