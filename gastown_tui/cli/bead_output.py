"""Shared output steps of `bd` commands: presenting records and the automatic export."""

from __future__ import annotations

from typing import Any

from gastown_tui.cli.command_context import CommandContext
from gastown_tui.core.record import Record
from gastown_tui.store import issues_export
from gastown_tui.store.bead_view import present
from gastown_tui.store.linked_issues import with_links


def show_records(ctx: CommandContext, records: list[Record]) -> list[dict[str, Any]]:
    """What lists print for each record: its stored edges as they are, plus the counts."""
    return present(records, ctx.store.connection)


def show_views(ctx: CommandContext, records: list[Record]) -> list[dict[str, Any]]:
    """What `bd show --json` (and create, update, close) print for each record, as the real CLI
    does: `dependencies` and `dependents` are the linked issues with their `dependency_type`."""
    return with_links(records, ctx.store.connection)


def export_payload(ctx: CommandContext, *, include_wisps: bool) -> tuple[bytes, int]:
    return issues_export.export_payload(ctx.store, include_wisps=include_wisps)


def export_if_automatic(ctx: CommandContext) -> None:
    """With `export.auto = true`, keep `.beads/issues.jsonl` current after every change."""
    issues_export.export_if_automatic(ctx.store)
