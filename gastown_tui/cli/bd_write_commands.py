"""`bd` commands that change beads: parse the arguments, call the engine, print the result.

The writes themselves are engine functions in `store/bead_edits/`, which the control room calls
too; a refusal from them is printed as `bd: <reason>` with exit code 1.
"""

from __future__ import annotations

from pathlib import Path

from gastown_tui.cli import bead_fields
from gastown_tui.cli.bd_init_checks import refuse_other_prefix
from gastown_tui.cli.bead_output import show_views
from gastown_tui.cli.command_context import CommandContext, CommandError
from gastown_tui.cli.engine_refusals import refusals_reported
from gastown_tui.cli.text_input import read_text
from gastown_tui.core.ids import InvalidNameError, check_name
from gastown_tui.store.bead_edits import bead_closing, labels_and_comments
from gastown_tui.store.bead_edits.bead_creation import NewBead, create_bead
from gastown_tui.store.bead_edits.bead_import import ImportSummary, import_issues_file
from gastown_tui.store.bead_edits.bead_updates import BeadChanges, update_beads
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.store_paths import BEADS_DIR_NAME
from gastown_tui.store.store_rebuild import rebuild_store


def cmd_init(ctx: CommandContext) -> None:
    import os

    explicit = os.environ.get("BEADS_DIR")
    beads_dir = Path(explicit) if explicit else Path.cwd() / BEADS_DIR_NAME
    prefix = ctx.args.prefix if ctx.args.prefix is not None else Path.cwd().name.lower()
    try:
        check_name("prefix", prefix, allow_town_prefix=True)
    except InvalidNameError as error:
        raise CommandError(f"{error} (choose one with --prefix)") from error
    if ctx.readonly:
        raise CommandError("refused: the store is open read-only (--readonly)")
    if ctx.args.prefix is not None:
        refuse_other_prefix(beads_dir, prefix)
    in_town = (beads_dir.parent / "town.toml").is_file()  # a town keeps its export off (DESIGN §3)
    store = BeadsStore.initialize(beads_dir, prefix, export_auto=not in_town, report=ctx.warn)
    ctx.use_store(store)
    imported = 0
    existing = store.paths.issues_export
    if existing.exists() and store.projection.position().offset == 0:
        imported = _import_file(ctx, existing).imported
    result = {"path": str(beads_dir), "prefix": store.config.prefix, "imported": imported}
    if ctx.json:
        ctx.emit_json(result)
    else:
        ctx.say(f"initialized beads store {beads_dir} (prefix {store.config.prefix})")
        if imported:
            ctx.say(f"imported {imported} records from {existing}")


def cmd_create(ctx: CommandContext) -> None:
    args = ctx.args
    title = read_text(args.title_file, "title") if args.title_file else args.title
    if title is None or not title.strip():
        raise CommandError("a title is required (positional, or --title-file)", code=2)
    description = read_text("-", "description") if args.stdin else args.description
    deps = bead_fields.dependency_specs(args.deps)
    if args.parent:
        deps.append(("parent-child", args.parent))
    new = NewBead(
        title=title, description=description, design=args.design,
        acceptance_criteria=args.acceptance, notes=args.notes, priority=args.priority,
        issue_type=args.type, assignee=args.assignee, rig=args.rig,
        labels=tuple(bead_fields.labels(args.labels)), dependencies=tuple(deps),
        bead_id=bead_fields.bead_id(args.id) if args.id is not None else None,
        external_ref=args.external_ref,
    )  # fmt: skip
    store = ctx.store
    with refusals_reported():
        bead_id = create_bead(store, ctx.actor, new)
    created = store.get(bead_id)
    assert created is not None
    if ctx.json:
        ctx.emit_json(show_views(ctx, [created])[0])
    else:
        ctx.say(f"created {bead_id}")


def _changes(ctx: CommandContext) -> BeadChanges:
    args = ctx.args
    metadata = [bead_fields.metadata_assignment(item) for item in args.set_metadata or []]
    metadata += [(key, None) for key in args.unset_metadata or []]
    set_labels = args.set_labels
    return BeadChanges(
        title=args.title,
        description=read_text("-", "description") if args.stdin else args.description,
        design=args.design, acceptance_criteria=args.acceptance, notes=args.notes,
        priority=args.priority, issue_type=args.type, assignee=args.assignee,
        status=args.status, metadata=tuple(metadata),
        set_labels=None if set_labels is None else tuple(bead_fields.labels([set_labels])),
        add_labels=tuple(bead_fields.labels(args.add_label)),
        remove_labels=tuple(bead_fields.labels(args.remove_label)),
        claim=bool(args.claim), external_ref=args.external_ref,
    )  # fmt: skip


def cmd_update(ctx: CommandContext) -> None:
    changes = _changes(ctx)
    with refusals_reported():
        update_beads(ctx.store, ctx.actor, ctx.args.ids, changes)
    _print_changed(ctx, ctx.store, ctx.args.ids, "updated")


def _print_changed(ctx: CommandContext, store: BeadsStore, ids: list[str], verb: str) -> None:
    records = [r for r in (store.get(i) for i in ids) if r is not None]
    if ctx.json:
        ctx.emit_json(show_views(ctx, records))
    else:
        for bead_id in ids:
            ctx.say(f"{verb} {bead_id}")


def cmd_close(ctx: CommandContext) -> None:
    args = ctx.args
    if args.continue_:
        _close_and_continue(ctx)
        return
    with refusals_reported():
        already = bead_closing.close_beads(
            ctx.store, ctx.actor, args.ids, reason=args.reason, force=args.force
        )
    for bead_id in already:
        ctx.warn(f"{bead_id} is already closed")
    _print_changed(ctx, ctx.store, args.ids, "closed")


def _close_and_continue(ctx: CommandContext) -> None:
    args = ctx.args
    if len(args.ids) != 1:
        raise CommandError("--continue closes one step at a time", code=2)
    with refusals_reported():
        progress = bead_closing.close_and_continue(
            ctx.store, ctx.actor, args.ids[0], reason=args.reason, force=args.force
        ).as_json()
    if ctx.json:
        ctx.emit_json(progress)
        return
    after = f"next: {progress['next']} ({progress['next_step']})" if progress["next"] else (
        "molecule complete" if progress["complete"] else "waiting for steps in progress"
    )  # fmt: skip
    ctx.say(f"closed {progress['closed']}; {after}")


def cmd_reopen(ctx: CommandContext) -> None:
    with refusals_reported():
        bead_closing.reopen_beads(ctx.store, ctx.actor, ctx.args.ids, reason=ctx.args.reason)
    _print_changed(ctx, ctx.store, ctx.args.ids, "reopened")


def cmd_delete(ctx: CommandContext) -> None:
    with refusals_reported():
        bead_closing.delete_beads(ctx.store, ctx.actor, ctx.args.ids, reason=ctx.args.reason)
    if ctx.json:
        ctx.emit_json({"deleted": ctx.args.ids})
    else:
        for bead_id in ctx.args.ids:
            ctx.say(f"deleted {bead_id}")


def cmd_label(ctx: CommandContext) -> None:
    labels = bead_fields.labels(ctx.args.labels)
    if ctx.args.label_command == "add":
        change = labels_and_comments.add_labels
    else:
        change = labels_and_comments.remove_labels
    with refusals_reported():
        change(ctx.store, ctx.actor, ctx.args.id, labels)
    _print_changed(ctx, ctx.store, [ctx.args.id], "labelled")


def cmd_comment_add(ctx: CommandContext) -> None:
    args = ctx.args
    if args.file:
        text = read_text(args.file, "comment")
    elif args.stdin:
        text = read_text("-", "comment")
    elif args.text:
        text = args.text
    else:
        raise CommandError("comment text is required (argument, --file or --stdin)", code=2)
    with refusals_reported():
        comment = labels_and_comments.add_comment(ctx.store, ctx.actor, args.id, text)
    if ctx.json:
        ctx.emit_json(comment)
    else:
        ctx.say(f"commented on {args.id}")


def _import_file(ctx: CommandContext, path: Path) -> ImportSummary:
    with refusals_reported():
        summary = import_issues_file(ctx.store, ctx.actor, path)
    for line in summary.problems:
        ctx.warn(line)
    return summary


def cmd_import(ctx: CommandContext) -> None:
    summary = _import_file(ctx, Path(ctx.args.path))
    if ctx.json:
        ctx.emit_json(summary.as_json())
    else:
        ctx.say(f"imported {summary.imported} records ({summary.unchanged} unchanged, "
                f"{summary.skipped} lines skipped) from {summary.path}")  # fmt: skip
    if not summary.read_anything and summary.skipped:
        raise CommandError(f"nothing could be read from {summary.path}")


def cmd_rebuild(ctx: CommandContext) -> None:
    summary = rebuild_store(ctx.store)
    if ctx.json:
        ctx.emit_json(summary.as_json())
    else:
        ctx.say(
            f"rebuilt: {summary.events} events, {summary.beads} beads, "
            f"{summary.malformed_lines} malformed lines, {summary.torn_batches} torn batches, "
            f"{summary.unknown_ops} events of unknown ops"
        )
