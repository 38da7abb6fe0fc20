"""`bd` commands that change beads: each validates inside the write lock and logs one batch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gastown_tui.cli import bead_fields
from gastown_tui.cli.bd_init_checks import refuse_other_prefix
from gastown_tui.cli.bead_output import export_if_automatic, show_views
from gastown_tui.cli.command_context import CommandContext, CommandError
from gastown_tui.cli.text_input import read_text
from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.ids import InvalidNameError, check_name
from gastown_tui.core.molecule_rules import molecule_of, open_needs, step_name
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.molecule_continue import NotAStep, continue_molecule
from gastown_tui.store.store_paths import BEADS_DIR_NAME
from gastown_tui.store.town_rigs import UnknownRigError, rig_prefix
from gastown_tui.store.write_transaction import (
    WriteTransaction,
    rebuild_projection,
    write_transaction,
)

_LONG_FIELDS = {"description": "description", "design": "design",
                "acceptance": "acceptance_criteria", "notes": "notes"}  # fmt: skip


def require(tx: WriteTransaction, bead_id: str) -> rec.Record:
    record = tx.get(bead_id)
    if record is None or rec.is_tombstone(record):
        raise CommandError(f"no bead {bead_id!r}" + (" (deleted)" if record else ""))
    return record


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
    store = BeadsStore.initialize(beads_dir, prefix, report=ctx.warn)
    ctx.use_store(store)
    imported = 0
    existing = store.paths.issues_export
    if existing.exists() and store.projection.position().offset == 0:
        imported = _import_file(ctx, existing)["imported"]
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
    labels = bead_fields.labels(args.labels)
    deps = bead_fields.dependency_specs(args.deps)
    if args.parent:
        deps.append(("parent-child", args.parent))
    store = ctx.store
    try:
        prefix = rig_prefix(store.paths.root, args.rig) if args.rig else None
    except UnknownRigError as error:
        raise CommandError(str(error)) from error
    with write_transaction(store, ctx.actor) as tx:
        for _, target in deps:
            require(tx, target)
        if args.id is not None:
            bead_id = bead_fields.bead_id(args.id)
            if tx.get(bead_id) is not None:
                raise CommandError(f"bead {bead_id!r} already exists")
        else:
            bead_id = tx.new_id(f"{title}|{description}|{ctx.actor}", prefix=prefix)
        ts = tx.stamp()
        record: dict[str, Any] = {"id": bead_id, "title": title}
        for option, key in _LONG_FIELDS.items():
            value = description if option == "description" else getattr(args, option, None)
            if value:
                record[key] = value
        record.update({"status": "open", "priority": args.priority, "issue_type": args.type})
        if args.assignee:
            record["assignee"] = args.assignee
        record.update({"created_at": ts, "created_by": ctx.actor, "updated_at": ts})
        if args.rig:
            record["metadata"] = {"rig": args.rig}
        if labels:
            record["labels"] = labels
        if deps:
            record["dependencies"] = [
                {"issue_id": bead_id, "depends_on_id": target, "type": dep_type,
                 "created_at": ts, "created_by": ctx.actor}
                for dep_type, target in deps
            ]  # fmt: skip
        tx.emit(ev.CREATE, bead_id, {"record": record}, ts)
    export_if_automatic(ctx)
    created = store.get(bead_id)
    assert created is not None
    if ctx.json:
        ctx.emit_json(show_views(ctx, [created])[0])
    else:
        ctx.say(f"created {bead_id}")


def _field_changes(ctx: CommandContext, record: rec.Record, ts: str) -> dict[str, Any]:
    args = ctx.args
    assignments: dict[str, Any] = {}
    removals: list[str] = []
    if args.title is not None:
        assignments["title"] = args.title
    description = read_text("-", "description") if args.stdin else args.description
    for option, key in _LONG_FIELDS.items():
        value = description if option == "description" else getattr(args, option)
        if value is not None:
            assignments[key] = value
    if args.priority is not None:
        assignments["priority"] = args.priority
    if args.type is not None:
        assignments["issue_type"] = args.type
    if args.assignee is not None:
        if args.assignee:
            assignments["assignee"] = args.assignee
        else:
            removals.append("assignee")
    if args.status is not None and args.status != rec.status_of(record):
        assignments["status"] = args.status
        if args.status == rec.CLOSED:
            assignments["closed_at"] = ts
        elif rec.status_of(record) == rec.CLOSED:
            removals.extend(["closed_at", "close_reason"])  # both, whatever a clone may have set
        if args.status == "in_progress" and "started_at" not in record:
            assignments["started_at"] = ts
    data: dict[str, Any] = {}
    if assignments:
        data["set"] = assignments
    if removals:
        data["unset"] = removals
    metadata: dict[str, Any] = dict(
        bead_fields.metadata_assignment(item) for item in args.set_metadata or []
    )
    metadata.update({key: None for key in args.unset_metadata or []})
    if metadata:
        data["metadata"] = metadata
    return data


def cmd_update(ctx: CommandContext) -> None:
    args = ctx.args
    store = ctx.store
    with write_transaction(store, ctx.actor) as tx:
        for bead_id in args.ids:
            record = require(tx, bead_id)
            if args.claim:
                _claim(ctx, tx, bead_id, record)
            ts = tx.stamp()
            data = _field_changes(ctx, record, ts)
            if data:
                tx.emit(ev.UPDATE, bead_id, data, ts)
            current = set(rec.labels_of(record))
            wanted = current
            if args.set_labels is not None:
                wanted = set(bead_fields.labels([args.set_labels]))
            wanted = (wanted | set(bead_fields.labels(args.add_label))) - set(
                bead_fields.labels(args.remove_label)
            )
            for label in sorted(wanted - current):
                tx.emit(ev.LABEL_ADD, bead_id, {"label": label})
            for label in sorted(current - wanted):
                tx.emit(ev.LABEL_REMOVE, bead_id, {"label": label})
    _print_changed(ctx, store, args.ids, "updated")


def _claim(ctx: CommandContext, tx: WriteTransaction, bead_id: str, record: rec.Record) -> None:
    holder = record.get("assignee")
    if isinstance(holder, str) and holder and holder != ctx.actor:
        raise CommandError(f"{bead_id} is assigned to {holder}; not claiming it for {ctx.actor}")
    if rec.status_of(record) == rec.CLOSED:
        raise CommandError(f"{bead_id} is closed; reopen it before claiming")
    ts = tx.stamp()
    changes: dict[str, Any] = {"assignee": ctx.actor, "status": "in_progress"}
    if "started_at" not in record:
        changes["started_at"] = ts
    tx.emit(ev.CLAIM, bead_id, {"set": changes}, ts)


def _print_changed(ctx: CommandContext, store: BeadsStore, ids: list[str], verb: str) -> None:
    export_if_automatic(ctx)
    records = [r for r in (store.get(i) for i in ids) if r is not None]
    if ctx.json:
        ctx.emit_json(show_views(ctx, records))
    else:
        for bead_id in ids:
            ctx.say(f"{verb} {bead_id}")


def cmd_close(ctx: CommandContext) -> None:
    store = ctx.store
    continuing = ctx.args.continue_
    if continuing and len(ctx.args.ids) != 1:
        raise CommandError("--continue closes one step at a time", code=2)
    progress: dict[str, Any] = {}
    with write_transaction(store, ctx.actor) as tx:
        for bead_id in ctx.args.ids:
            record = require(tx, bead_id)
            if rec.status_of(record) == rec.CLOSED:
                if continuing:
                    raise CommandError(f"{bead_id} is already closed")
                ctx.warn(f"{bead_id} is already closed")
                continue
            ts = tx.stamp()
            changes: dict[str, Any] = {"status": rec.CLOSED, "closed_at": ts}
            if ctx.args.reason:
                changes["close_reason"] = ctx.args.reason
            data: dict[str, Any] = {"set": changes}
            if _out_of_order(ctx, tx, record):
                data["metadata"] = {"out_of_order": True}
            tx.emit(ev.CLOSE, bead_id, data, ts)
            if continuing:
                try:
                    progress = continue_molecule(tx, record, ctx.actor).as_json()
                except NotAStep as error:
                    raise CommandError(str(error)) from error
    if not continuing:
        _print_changed(ctx, store, ctx.args.ids, "closed")
    elif ctx.json:
        ctx.emit_json(progress)
    else:
        after = f"next: {progress['next']} ({progress['next_step']})" if progress["next"] else (
            "molecule complete" if progress["complete"] else "waiting for steps in progress"
        )  # fmt: skip
        ctx.say(f"closed {progress['closed']}; {after}")


def _out_of_order(ctx: CommandContext, tx: WriteTransaction, record: rec.Record) -> bool:
    """Refuse to close a molecule step whose needs are open (the Batch-Closure Heresy),
    unless --force, which closes it and records that it was out of order."""
    if molecule_of(record) is None:
        return False
    waiting = open_needs(record, tx.get)
    if not waiting:
        return False
    if ctx.args.force:
        return True
    named = ", ".join(f"{need} ({step_name(tx.get(need) or {})})" for need in waiting)
    raise CommandError(
        f"refused: {record['id']} still needs {named}: closing it now is the Batch-Closure "
        "Heresy (steps close in order). Close those first, or use --force to record it as "
        "out of order."
    )


def cmd_reopen(ctx: CommandContext) -> None:
    store = ctx.store
    with write_transaction(store, ctx.actor) as tx:
        for bead_id in ctx.args.ids:
            record = require(tx, bead_id)
            if rec.status_of(record) != rec.CLOSED:
                raise CommandError(f"{bead_id} is not closed (status {rec.status_of(record)})")
            tx.emit(ev.REOPEN, bead_id, {"set": {"status": "open"},
                                         "unset": ["closed_at", "close_reason"]})  # fmt: skip
    _print_changed(ctx, store, ctx.args.ids, "reopened")


def cmd_delete(ctx: CommandContext) -> None:
    with write_transaction(ctx.store, ctx.actor) as tx:
        for bead_id in ctx.args.ids:
            record = require(tx, bead_id)
            ts = tx.stamp()
            changes = {"status": rec.TOMBSTONE, "deleted_at": ts, "deleted_by": ctx.actor,
                       "original_type": rec.type_of(record)}  # fmt: skip
            if ctx.args.reason:
                changes["delete_reason"] = ctx.args.reason
            tx.emit(ev.DELETE, bead_id, {"set": changes}, ts)
    export_if_automatic(ctx)
    if ctx.json:
        ctx.emit_json({"deleted": ctx.args.ids})
    else:
        for bead_id in ctx.args.ids:
            ctx.say(f"deleted {bead_id}")


def cmd_label(ctx: CommandContext) -> None:
    op = ev.LABEL_ADD if ctx.args.label_command == "add" else ev.LABEL_REMOVE
    with write_transaction(ctx.store, ctx.actor) as tx:
        record = require(tx, ctx.args.id)
        present = set(rec.labels_of(record))
        for label in bead_fields.labels(ctx.args.labels):
            if (label in present) != (op == ev.LABEL_ADD):
                tx.emit(op, ctx.args.id, {"label": label})
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
    with write_transaction(ctx.store, ctx.actor) as tx:
        require(tx, args.id)
        ts = tx.stamp()
        comment = {"id": tx.new_event_id(), "issue_id": args.id, "author": ctx.actor,
                   "text": text, "created_at": ts}  # fmt: skip
        tx.emit(ev.COMMENT_ADD, args.id, {"comment": comment}, ts)
    export_if_automatic(ctx)
    if ctx.json:
        ctx.emit_json(comment)
    else:
        ctx.say(f"commented on {args.id}")


def _import_file(ctx: CommandContext, path: Path) -> dict[str, Any]:
    from gastown_tui.store.issues_import import import_records, read_issues_file

    try:
        parsed = read_issues_file(path)
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from error
    for line in parsed.problem_lines():
        ctx.warn(line)
    changed = import_records(ctx.store, ctx.actor, parsed.records)
    return {"path": str(path), "imported": changed, "unchanged": len(parsed.records) - changed,
            "skipped": len(parsed.problems), "problems": parsed.problem_lines()}  # fmt: skip


def cmd_import(ctx: CommandContext) -> None:
    result = _import_file(ctx, Path(ctx.args.path))
    export_if_automatic(ctx)
    read_anything = result["imported"] + result["unchanged"] > 0
    if ctx.json:
        ctx.emit_json(result)
    else:
        ctx.say(f"imported {result['imported']} records ({result['unchanged']} unchanged, "
                f"{result['skipped']} lines skipped) from {result['path']}")  # fmt: skip
    if not read_anything and result["skipped"]:
        raise CommandError(f"nothing could be read from {result['path']}")


def cmd_rebuild(ctx: CommandContext) -> None:
    store = ctx.store
    position = rebuild_projection(store)
    count = store.connection.execute
    beads = count("SELECT COUNT(*) FROM beads").fetchone()[0]
    torn = count("SELECT COUNT(*) FROM problems WHERE reason LIKE 'torn batch:%'").fetchone()[0]
    malformed = count("SELECT COUNT(*) FROM problems").fetchone()[0] - torn
    result = {"events": position.applied, "beads": beads, "malformed_lines": malformed,
              "torn_batches": torn, "unknown_ops": position.unknown_ops,
              "bytes": position.offset}  # fmt: skip
    if ctx.json:
        ctx.emit_json(result)
    else:
        ctx.say(
            f"rebuilt: {position.applied} events, {beads} beads, {malformed} malformed lines, "
            f"{torn} torn batches, {position.unknown_ops} events of unknown ops"
        )
