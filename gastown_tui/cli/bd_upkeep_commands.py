"""`bd note`, `info`, `doctor`, `cleanup`, `repair-deps`, `migrate` and `quickstart`: the upkeep
commands the real CLI's clients call. Writes go through the engine (store/bead_edits)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gastown_tui.cli.bd_version import BEADS_INTERFACE_VERSION
from gastown_tui.cli.command_context import CommandContext, CommandError
from gastown_tui.cli.engine_refusals import refusals_reported
from gastown_tui.cli.text_input import read_text
from gastown_tui.core.display_text import visible
from gastown_tui.store.bead_edits.bead_notes import append_note
from gastown_tui.store.bead_edits.store_cleanup import cleanup_closed, repair_dependencies

if TYPE_CHECKING:
    from gastown_tui.store import store_doctor


def cmd_note(ctx: CommandContext) -> None:
    args = ctx.args
    text = read_text(args.file, "note") if args.file else args.text
    if not text:
        raise CommandError("note text is required (argument or --file)", code=2)
    with refusals_reported():
        done = append_note(ctx.store, ctx.actor, args.id, text)
    if ctx.json:
        ctx.emit_json({"id": done.bead_id, "notes": done.notes})
    else:
        ctx.say(f"noted on {done.bead_id}")


def _tables(ctx: CommandContext) -> list[str]:
    rows = ctx.store.connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    )
    return [row[0] for row in rows]


def cmd_info(ctx: CommandContext) -> None:
    from gastown_tui.store.schema import SCHEMA_VERSION

    store = ctx.store
    connection = store.connection
    count = connection.execute("SELECT COUNT(*) FROM beads WHERE tombstone = 0").fetchone()[0]
    config = {"issue_prefix": store.config.prefix, "export.auto": store.config.export_auto}
    result: dict[str, object] = {
        "database_path": str(store.paths.database),
        "beads_dir": str(store.paths.root),
        "log_path": str(store.paths.events),
        "backend": "gastown_tui",
        "mode": "direct",
        "issue_count": count,
        "config": config,
        "version": BEADS_INTERFACE_VERSION,
    }
    if ctx.args.schema:
        samples = [
            row[0]
            for row in connection.execute(
                "SELECT id FROM beads WHERE tombstone = 0 ORDER BY created_key LIMIT 3"
            )
        ]
        result["schema"] = {
            "tables": _tables(ctx),
            "schema_version": SCHEMA_VERSION,
            "config": config,
            "sample_issue_ids": samples,
            "detected_prefix": store.config.prefix,
        }
    if ctx.json:
        ctx.emit_json(result)
        return
    ctx.say(
        f"beads store: {visible(str(store.paths.root))} (prefix {visible(store.config.prefix)})"
    )
    ctx.say(
        f"log: {visible(str(store.paths.events))}; projection: {visible(str(store.paths.database))}"
    )
    ctx.say(f"issues: {count}; export.auto: {'on' if store.config.export_auto else 'off'}")
    if ctx.args.schema:
        ctx.say("tables: " + ", ".join(_tables(ctx)))


def cmd_doctor(ctx: CommandContext) -> None:
    from gastown_tui.store import store_doctor

    args = ctx.args
    if (args.fix or args.clean) and ctx.readonly:
        raise CommandError("refused: the store is open read-only (--readonly)")
    if args.check == "pollution":
        found = store_doctor.polluted(ctx.store)
        deleted = 0
        if args.clean and found:
            from gastown_tui.store.bead_edits.bead_closing import delete_beads

            with refusals_reported():
                delete_beads(
                    ctx.store,
                    ctx.actor,
                    [b["id"] for b in found],
                    reason="bd doctor --check=pollution --clean",
                )
            deleted = len(found)
        _report(
            ctx,
            {"check": "pollution", "detected": found, "count": len(found), "deleted": deleted},
            [f"{b['id']}  {visible(b['title'])}" for b in found] or ["no test leftovers"],
        )
        return
    if args.check == "validate":
        report = store_doctor.validate(ctx.store, ctx.actor, fix=args.fix)
        _report(ctx, report.as_validation_json(), _check_lines(report))
        return
    report = store_doctor.diagnose(ctx.store, ctx.actor, fix=args.fix)
    _report(ctx, report.as_json(), _check_lines(report))


def _check_lines(report: store_doctor.DoctorReport) -> list[str]:
    lines = []
    for check in report.checks:
        mark = "fixed" if check.fixed else check.status
        hint = f" (fix: {check.fix})" if check.fix and not check.fixed else ""
        lines.append(f"[{mark}] {check.name}: {visible(check.message)}{hint}")
    return lines


def _report(ctx: CommandContext, result: dict[str, object], lines: list[str]) -> None:
    if ctx.json:
        ctx.emit_json(result)
        return
    for line in lines:
        ctx.say(line)


def cmd_cleanup(ctx: CommandContext) -> None:
    if ctx.args.days < 0:
        raise CommandError(f"--days must be 0 or more, not {ctx.args.days}", code=2)
    with refusals_reported():
        result = cleanup_closed(
            ctx.store, ctx.actor, older_than_days=ctx.args.days, dry_run=ctx.args.dry_run
        )
    if ctx.json:
        ctx.emit_json(result.as_json())
    elif ctx.args.dry_run:
        ctx.say(
            f"would delete {len(result.candidates)} closed bead(s) closed before "
            f"{result.cutoff}: {', '.join(result.candidates) or '-'}"
        )
    else:
        ctx.say(f"deleted {result.deleted} closed bead(s) closed before {result.cutoff}")


def cmd_repair_deps(ctx: CommandContext) -> None:
    with refusals_reported():
        result = repair_dependencies(ctx.store, ctx.actor, fix=ctx.args.fix)
    if ctx.json:
        ctx.emit_json(result.as_json())
        return
    for orphan in result.orphans:
        ctx.say(
            f"{visible(orphan.issue_id)} -> {visible(orphan.depends_on_id)} "
            f"({visible(orphan.type)}): target missing"
        )
    ctx.say(
        f"{len(result.orphans)} orphaned dependencies"
        + (f", {result.fixed} removed" if ctx.args.fix else " (--fix removes them)")
    )


def cmd_migrate(ctx: CommandContext) -> None:
    from gastown_tui.store.schema import SCHEMA_VERSION

    store = ctx.store  # opening it already brought the projection to the current schema
    result = {
        "current_version": SCHEMA_VERSION,
        "backend": "gastown_tui",
        "registered_migrations": [],
        "pending_migrations": [],
        "warnings": [],
        "database_path": str(store.paths.database),
        "message": "nothing to migrate: the SQLite projection is rebuilt from "
        "events.jsonl whenever its schema changes",
    }
    if ctx.json:
        ctx.emit_json(result)
    else:
        ctx.say(str(result["message"]))


QUICKSTART = """\
bd quickstart: beads, git-backed work tracking (gastown_tui)

  bd init --prefix app            create .beads/ here (ids look like app-3kx9)
  bd create "Fix login" -p 1 -t bug -d "details"   file work (priority 0-4, 0 = highest)
  bd ready                        what can start now (open, not blocked)
  bd update app-3kx9 --claim      take it: assigned to you, in_progress
  bd dep add app-b app-a          app-b waits for app-a
  bd comment app-3kx9 "found it"  leave a record; bd note appends to the notes
  bd close app-3kx9 -r "fixed"    done; bd reopen app-3kx9 --reason "regressed"
  bd list / show / blocked / stats / search TEXT / query 'priority <= 1'

Every command takes --json. The log is .beads/events.jsonl (append-only, tracked by git);
.beads/issues.jsonl is the export other beads tools read. bd doctor checks the store.
"""


def cmd_quickstart(ctx: CommandContext) -> None:
    ctx.stdout.write(QUICKSTART)
