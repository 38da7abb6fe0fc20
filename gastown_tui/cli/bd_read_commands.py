"""`bd` commands that only read: show, list, ready, blocked, stats, search, query, export."""

from __future__ import annotations

import sys
from pathlib import Path

from gastown_tui.cli import bead_fields
from gastown_tui.cli.bead_output import export_payload, show_records, show_views
from gastown_tui.cli.bead_text import details, one_line
from gastown_tui.cli.command_context import CommandContext, CommandError
from gastown_tui.core import record as rec
from gastown_tui.core.display_text import visible
from gastown_tui.core.timestamps import format_ts
from gastown_tui.store import readiness
from gastown_tui.store.bead_filters import RecordFilter, descendants, sort_ready, stored_values
from gastown_tui.store.bead_queries import ListFilter, all_records, list_beads, stats
from gastown_tui.store.issues_export import write_atomically
from gastown_tui.store.linked_issues import comment_views


def _now(ctx: CommandContext) -> str:
    return format_ts(ctx.store.clock.now())


def _print_list(ctx: CommandContext, records: list[rec.Record]) -> None:
    if ctx.json:
        ctx.emit_json(show_records(ctx, records))
        return
    for record in records:
        ctx.say(one_line(record))
    if not records:
        ctx.say("(none)")


def cmd_show(ctx: CommandContext) -> None:
    """The found beads, in the order given. Like the real CLI, a missing id is reported on
    stderr (`Issue X not found`) and the others are still shown; only when none is found does
    the command fail."""
    store = ctx.store
    records = []
    missing = []
    for bead_id in ctx.args.ids:
        record = store.get(bead_id)
        if record is None or rec.is_tombstone(record):
            missing.append(f"no bead {bead_id!r}" + (" (deleted)" if record else ""))
            continue
        records.append(record)
    if not records:
        raise CommandError("; ".join(missing))
    for bead_id, record in zip(ctx.args.ids, map(store.get, ctx.args.ids), strict=True):
        if record is None or rec.is_tombstone(record):
            ctx.warn(f"Issue {bead_id} not found" + (" (deleted)" if record else ""))
    views = show_views(ctx, records)
    if ctx.json:
        ctx.emit_json(views)
        return
    for index, view in enumerate(views):
        if index:
            ctx.say("")
        for line in details(view):
            ctx.say(line)


def _no_limit(limit: int) -> int:
    """The real CLI's `--limit 0`: no limit (negative is refused by nothing, and means the same)."""
    return limit if limit > 0 else -1


def _known(ctx: CommandContext, kind: str, given: list[str]) -> list[str]:
    """`given` statuses or types, refused (exit 2) when one is neither built in nor stored."""
    from gastown_tui.core.field_vocabulary import (
        BUILTIN_STATUSES,
        BUILTIN_TYPES,
        UnknownNameError,
        refuse_unknown,
    )

    column, builtin = (("status", BUILTIN_STATUSES) if kind == "status"
                       else ("issue_type", BUILTIN_TYPES))  # fmt: skip
    try:
        refuse_unknown(kind, given, [*builtin, *stored_values(ctx.store.connection, column)])
    except UnknownNameError as error:
        raise CommandError(str(error), code=2) from error
    return given


def _within(ctx: CommandContext, parent: str | None) -> frozenset[str] | None:
    if parent is None:
        return None
    if ctx.store.get(parent) is None:
        raise CommandError(f"no bead {parent!r}")
    return frozenset(descendants(ctx.store.connection, parent))


def cmd_list(ctx: CommandContext) -> None:
    args = ctx.args
    wanted = ListFilter(
        statuses=_known(ctx, "status", bead_fields.labels(args.status)),
        types=_known(ctx, "type", bead_fields.labels(args.type)),
        assignee=args.assignee,
        labels=bead_fields.labels(args.label),
        priorities=[bead_fields.priority(p) for p in bead_fields.labels(args.priority)],
        rig=args.rig,
        include_closed=args.all or bool(args.ids),
        ids=bead_fields.labels(args.ids),
    )
    refine = RecordFilter(
        unassigned=args.no_assignee,
        labels_any=bead_fields.labels(args.label_any),
        exclude_labels=bead_fields.labels(args.exclude_label),
        title=args.title,
    )
    limit = _no_limit(args.limit)
    found = [r for r in list_beads(ctx.store.connection, wanted) if refine.keeps(r)]
    _print_list(ctx, found if limit < 0 else found[:limit])


def cmd_ready(ctx: CommandContext) -> None:
    args = ctx.args
    refine = RecordFilter(
        types=_known(ctx, "type", bead_fields.labels(args.type)),
        priorities=[bead_fields.priority(p) for p in bead_fields.labels(args.priority)],
        assignee=args.assignee,
        unassigned=args.unassigned,
        labels=bead_fields.labels(args.label),
        labels_any=bead_fields.labels(args.label_any),
        within=_within(ctx, args.parent),
    )
    now = _now(ctx)
    limit = _no_limit(args.limit)
    if args.sort == "priority":  # the store's own order: stop as soon as the limit is reached
        found = readiness.ready(ctx.store.connection, now, limit, refine.keeps)
    else:
        found = sort_ready(readiness.ready(ctx.store.connection, now, -1, refine.keeps),
                           args.sort, now)[: limit if limit >= 0 else None]  # fmt: skip
    _print_list(ctx, found)


def cmd_blocked(ctx: CommandContext) -> None:
    store = ctx.store
    within = _within(ctx, ctx.args.parent)
    found = [b for b in readiness.blocked(store.connection, _now(ctx))
             if within is None or b.bead_id in within]  # fmt: skip
    records = {r["id"]: r for r in list_beads(
        store.connection, ListFilter(ids=[b.bead_id for b in found], include_closed=True)
    )}  # fmt: skip
    views = []
    for item in found:
        if item.bead_id not in records:
            continue
        view = show_records(ctx, [records[item.bead_id]])[0]
        view["blocked_by"] = item.blocked_by
        view["blocked_by_count"] = len(item.blocked_by)
        view["inherited"] = item.inherited
        view["inherited_from"] = item.inherited_from
        views.append(view)
    if ctx.json:
        ctx.emit_json(views)
        return
    for view in views:
        why = (
            "inherited from " + visible(str(view["inherited_from"]))
            if view["inherited"]
            else "blocked by " + ", ".join(visible(b) for b in view["blocked_by"])
        )
        ctx.say(f"{one_line(view)}\n    {why}")
    if not views:
        ctx.say("(none)")


def cmd_stats(ctx: CommandContext) -> None:
    result = stats(ctx.store.connection, _now(ctx))
    if ctx.json:
        ctx.emit_json(result)
        return
    for key, value in result["summary"].items():
        if key != "by_status":
            ctx.say(f"{key.replace('_', ' ')}: {value}")
    activity = result["recent_activity"]
    ctx.say(f"last {activity['hours_tracked']} hours: {activity['issues_created']} created, "
            f"{activity['issues_closed']} closed, {activity['issues_updated']} updated, "
            f"{activity['issues_reopened']} reopened")  # fmt: skip


def cmd_search(ctx: CommandContext) -> None:
    from gastown_tui.store.search_index import search

    found = search(ctx.store.connection, ctx.args.text, include_closed=ctx.args.all,
                   limit=_no_limit(ctx.args.limit))  # fmt: skip
    _print_list(ctx, found)


def cmd_query(ctx: CommandContext) -> None:
    from gastown_tui.core.field_vocabulary import UnknownNameError, check_query
    from gastown_tui.core.query import QueryError, parse_query

    records = all_records(ctx.store.connection)
    try:
        query = parse_query(ctx.args.expression)
        check_query(query, {key for record in records for key in record},
                    stored_values(ctx.store.connection, "status"),
                    stored_values(ctx.store.connection, "issue_type"))  # fmt: skip
    except (QueryError, UnknownNameError) as error:
        raise CommandError(str(error), code=2) from error
    matched = [r for r in records if query.matches(r)]
    limit = _no_limit(ctx.args.limit)
    if limit >= 0:
        matched = matched[:limit]
    _print_list(ctx, matched)


def cmd_export(ctx: CommandContext) -> None:
    payload, count = export_payload(ctx, include_wisps=ctx.args.all)
    target = ctx.args.output
    if target == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
        return
    path = Path(target) if target else ctx.store.paths.issues_export
    write_atomically(path, payload)
    if ctx.json:
        ctx.emit_json({"path": str(path), "count": count})
    else:
        ctx.say(f"exported {count} records to {path}")


def cmd_comment_list(ctx: CommandContext) -> None:
    record = ctx.store.get(ctx.args.id)
    if record is None or rec.is_tombstone(record):
        raise CommandError(f"no bead {ctx.args.id!r}")
    comments = comment_views(record)
    if ctx.json:
        ctx.emit_json(comments)
        return
    for comment in comments:
        author = visible(str(comment.get("author", "")))
        ctx.say(f"[{visible(str(comment.get('created_at', '')))}] {author}:")
        ctx.say(visible(str(comment.get("text", "")), keep_newlines=True))
    if not comments:
        ctx.say("(no comments)")
