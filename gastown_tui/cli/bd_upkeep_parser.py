"""The `bd` commands for a store's upkeep and for the real CLI's clients: note, info, doctor,
cleanup, repair-deps, migrate, quickstart and sync (the core commands are in bd_parser)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

Command = Callable[..., argparse.ArgumentParser]


def add_upkeep_commands(command: Command) -> None:
    note = command("note", "bd_upkeep_commands:cmd_note", "append a paragraph to a bead's notes")
    note.add_argument("id")
    note.add_argument("text", nargs="?")
    note.add_argument("--file", help="read the text from a file ('-' = stdin)")

    info = command("info", "bd_upkeep_commands:cmd_info", "where the store is and what it holds")
    info.add_argument("--schema", action="store_true", help="also the projection's tables")

    doctor = command(
        "doctor",
        "bd_upkeep_commands:cmd_doctor",
        "check the store's health (--fix repairs what is safe to)",
    )
    doctor.add_argument("--fix", action="store_true", help="repair what is safe to repair")
    doctor.add_argument("--yes", action="store_true", help="do not ask (nothing is asked)")
    doctor.add_argument(
        "--check",
        choices=("pollution", "validate"),
        help="one check: test leftovers, or the data-integrity suite",
    )
    doctor.add_argument(
        "--clean", action="store_true", help="with --check=pollution: delete the beads found"
    )

    cleanup = command(
        "cleanup",
        "bd_upkeep_commands:cmd_cleanup",
        "delete closed beads (kept as hidden tombstones)",
    )
    cleanup.add_argument(
        "--days",
        type=int,
        default=0,
        help="only those closed more than N days ago (default 0: all)",
    )
    cleanup.add_argument("--dry-run", action="store_true", help="only say what would go")
    cleanup.add_argument("-f", "--force", action="store_true", help="accepted; nothing is asked")

    repair = command(
        "repair-deps",
        "bd_upkeep_commands:cmd_repair_deps",
        "find dependencies on missing beads (--fix removes them)",
    )
    repair.add_argument("--fix", action="store_true")

    migrate = command(
        "migrate",
        "bd_upkeep_commands:cmd_migrate",
        "schema migrations (the projection is rebuilt instead; nothing to do)",
    )
    migrate.add_argument("--inspect", action="store_true", help="show the plan (it is empty)")
    migrate.add_argument("--dry-run", action="store_true")

    command("quickstart", "bd_upkeep_commands:cmd_quickstart", "a short guide to bd")

    sync = command(
        "sync",
        "bd_sync_command:cmd_sync",
        "in a town: gt sync; elsewhere: write the export and commit it with git",
    )
    sync.add_argument("-m", "--message", help="commit message")
