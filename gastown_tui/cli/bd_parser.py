"""The `bd` command line: every command, its flags, and the handler it calls."""

from __future__ import annotations

import argparse
from typing import Any

from gastown_tui.cli.bd_upkeep_parser import add_upkeep_commands
from gastown_tui.cli.bd_version import version_line
from gastown_tui.cli.bead_fields import priority, word
from gastown_tui.store.bead_filters import SORT_POLICIES

# Handlers are named, not imported: `bd` loads only the module of the command it runs.


def _global_flags(*, top_level: bool) -> argparse.ArgumentParser:
    """The flags every command takes, before or after its name (`bd --json show X`, `bd show X
    --json`). Below the top level their default is SUPPRESS: a subcommand that was not given
    the flag must not overwrite what the top level parsed."""
    flags = argparse.ArgumentParser(add_help=False)
    unset: dict[str, Any] = {} if top_level else {"default": argparse.SUPPRESS}
    flags.add_argument("--json", action="store_true", help="machine-readable output", **unset)
    flags.add_argument("--actor", help="who is acting (default: $BD_ACTOR, else overseer)",
                       **unset)  # fmt: skip
    flags.add_argument("--readonly", action="store_true", help="refuse every write", **unset)
    flags.add_argument("--db", metavar="PATH", help="the store's beads.db (or set BEADS_DB)",
                       **unset)  # fmt: skip
    # The real CLI's switches for its daemon and JSONL sync, which we do not have: accepted
    # so that clients which always pass them work, and they change nothing.
    for name in ("--no-daemon", "--no-auto-flush", "--no-auto-import", "--no-db",
                 "--sandbox", "--allow-stale"):  # fmt: skip
        flags.add_argument(name, action="store_true", help=argparse.SUPPRESS, **unset)
    return flags


def build_parser() -> argparse.ArgumentParser:
    common = _global_flags(top_level=False)
    parser = argparse.ArgumentParser(
        prog="bd", parents=[_global_flags(top_level=True)],
        description="beads: git-backed work tracking (an append-only log with a SQLite view)",
    )  # fmt: skip
    parser.add_argument("--version", action="version", version=version_line())
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, handler: object, help_text: str, **extra: object
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text,
                                  **extra)  # type: ignore[arg-type]  # fmt: skip
        sub.set_defaults(handler=handler)
        return sub

    command("version", "bd_version:cmd_version", "the beads interface version and ours")
    init = command("init", "bd_write_commands:cmd_init", "create a beads store in ./.beads")
    init.add_argument("--prefix", help="id prefix (default: the directory's name)")

    create = command("create", "bd_write_commands:cmd_create", "create a bead")
    create.add_argument("title", nargs="?")
    create.add_argument("--title-file", help="read the title from a file ('-' = stdin)")
    create.add_argument("-d", "--description")
    create.add_argument("--stdin", action="store_true", help="read the description from stdin")
    create.add_argument("--design")
    create.add_argument("--acceptance")
    create.add_argument("--notes")
    create.add_argument("-t", "--type", default="task")
    create.add_argument("-p", "--priority", type=priority, default=2)
    create.add_argument("-l", "--labels", action="append", help="comma-separated, repeatable")
    create.add_argument("--parent", help="make the new bead a child of this one")
    create.add_argument("--deps", action="append", help="[type:]id,… (type defaults to blocks)")
    create.add_argument("--rig")
    create.add_argument("-a", "--assignee")
    create.add_argument("--id", help="use this id instead of a generated one")
    create.add_argument("--external-ref", help="the issue elsewhere (gh-9, a URL…)")

    show = command("show", "bd_read_commands:cmd_show", "show beads in full")
    show.add_argument("ids", nargs="+")

    listing = command(
        "list", "bd_read_commands:cmd_list", "list beads (not closed, unless --all or --status)"
    )
    listing.add_argument("-s", "--status", action="append")
    listing.add_argument("-t", "--type", action="append")
    listing.add_argument("-a", "--assignee")
    listing.add_argument("--no-assignee", action="store_true", help="only unassigned beads")
    listing.add_argument("-l", "--label", action="append", help="every given label must be on it")
    listing.add_argument("--label-any", action="append", help="at least one of these labels")
    listing.add_argument("--exclude-label", action="append", help="none of these labels")
    listing.add_argument("--title", help="title contains this text (any case)")
    listing.add_argument("--id", dest="ids", action="append", help="only these ids (a,b,…)")
    listing.add_argument("-p", "--priority", action="append")
    listing.add_argument("--rig")
    listing.add_argument("--all", action="store_true", help="include closed beads")
    listing.add_argument("-n", "--limit", type=int, default=0, help="at most N (0: no limit)")

    update = command("update", "bd_write_commands:cmd_update", "change fields of beads")
    update.add_argument("ids", nargs="+")
    update.add_argument("--title")
    update.add_argument("-d", "--description")
    update.add_argument("--stdin", action="store_true", help="read the description from stdin")
    update.add_argument("--design")
    update.add_argument("--acceptance")
    update.add_argument("--notes")
    update.add_argument("-s", "--status", type=lambda v: word("status", v))
    update.add_argument("-p", "--priority", type=priority)
    update.add_argument("-t", "--type", type=lambda v: word("type", v))
    update.add_argument("-a", "--assignee", help="'' to unassign")
    update.add_argument("--add-label", action="append")
    update.add_argument("--remove-label", action="append")
    update.add_argument("--set-labels", help="replace all labels (comma-separated)")
    update.add_argument("--set-metadata", action="append", metavar="KEY=VALUE")
    update.add_argument("--unset-metadata", action="append", metavar="KEY")
    update.add_argument("--external-ref", help="the issue elsewhere ('' removes it)")
    update.add_argument(
        "--claim",
        action="store_true",
        help="assign to me and start (refused if assigned to someone else)",
    )

    close = command("close", "bd_write_commands:cmd_close", "close beads")
    close.add_argument("ids", nargs="+")
    close.add_argument("-r", "--reason")
    close.add_argument(
        "--continue",
        dest="continue_",
        action="store_true",
        help="molecule step: also claim the next ready step, in the same batch",
    )
    close.add_argument(
        "--force",
        action="store_true",
        help="close a step whose needs are open (recorded as out of order)",
    )
    _mol_commands(command("mol", None, "molecules: poured formulas"), common)

    reopen = command("reopen", "bd_write_commands:cmd_reopen", "reopen closed beads")
    reopen.add_argument("ids", nargs="+")
    reopen.add_argument("-r", "--reason", help="why (recorded as a comment)")

    delete = command(
        "delete", "bd_write_commands:cmd_delete", "delete beads (kept as hidden tombstones)"
    )
    delete.add_argument("ids", nargs="+")
    delete.add_argument("--reason")

    _dep_commands(command("dep", None, "dependencies between beads"), common)
    _label_commands(command("label", None, "labels on a bead"), common)
    for name in ("comment", "comments"):
        _comment_commands(
            command(name, "bd_read_commands:cmd_comment_list", "comments on a bead"), common
        )

    ready = command("ready", "bd_read_commands:cmd_ready", "open work that can start now")
    ready.add_argument("-n", "--limit", type=int, default=10, help="at most N (0: no limit)")
    ready.add_argument("-t", "--type", action="append")
    ready.add_argument("-p", "--priority", action="append")
    ready.add_argument("-a", "--assignee")
    ready.add_argument("-u", "--unassigned", action="store_true", help="only unassigned beads")
    ready.add_argument("-l", "--label", action="append", help="every given label must be on it")
    ready.add_argument("--label-any", action="append", help="at least one of these labels")
    ready.add_argument("--sort", choices=SORT_POLICIES, default="priority",
                       help="priority (default), oldest, or hybrid (recent by priority, then "
                       "older by age)")  # fmt: skip
    ready.add_argument("--parent", help="only beads below this one")
    blocked = command("blocked", "bd_read_commands:cmd_blocked", "beads that cannot start, and why")
    blocked.add_argument("--parent", help="only beads below this one")
    command("stats", "bd_read_commands:cmd_stats", "counts by state")
    search = command("search", "bd_read_commands:cmd_search", "full-text search")
    search.add_argument("text")
    search.add_argument("--all", action="store_true", help="include closed beads")
    search.add_argument("-n", "--limit", type=int, default=50, help="at most N (0: no limit)")
    query = command(
        "query", "bd_read_commands:cmd_query", "filter with an expression, e.g. 'priority <= 1'"
    )
    query.add_argument("expression")
    query.add_argument("-n", "--limit", type=int, default=0, help="at most N (0: no limit)")

    formula = command("formula", None, "formulas this store can see")
    formula_actions = formula.add_subparsers(
        dest="formula_command", required=True, metavar="ACTION"
    )
    listing_formulas = formula_actions.add_parser(
        "list", parents=[common], help="every formula, in resolution order"
    )
    listing_formulas.set_defaults(handler="bd_formula_commands:cmd_formula_list")
    show_formula = formula_actions.add_parser("show", parents=[common], help="one formula")
    show_formula.add_argument("name")
    show_formula.set_defaults(handler="bd_formula_commands:cmd_formula_show")
    cooking = command(
        "cook", "bd_formula_commands:cmd_cook",
        "compile a formula, or with --var cook it into a protomolecule",
    )  # fmt: skip
    cooking.add_argument("formula")
    cooking.add_argument("--var", action="append", metavar="NAME=VALUE")
    cooking.add_argument("--persist", action="store_true", help="store it as a template bead")

    importing = command(
        "import", "bd_write_commands:cmd_import", "import a beads issues.jsonl (any era)"
    )
    importing.add_argument("path")
    export = command("export", "bd_read_commands:cmd_export", "write issues.jsonl as Go bd does")
    export.add_argument(
        "-o", "--output", help="file to write ('-' = stdout; default .beads/issues.jsonl)"
    )
    export.add_argument("--all", action="store_true", help="include wisps")
    command(
        "rebuild", "bd_write_commands:cmd_rebuild", "rebuild the SQLite projection from the log"
    )
    add_upkeep_commands(command)
    logging = command("log", "bd_log_command:cmd_log", "the raw event stream")
    logging.add_argument("-f", "--follow", action="store_true")
    logging.add_argument("-n", "--limit", type=int, default=0, help="only the last N events")
    logging.add_argument("--bead", help="only events of this bead")
    logging.add_argument("--op", help="only events of this op")
    return parser


def _mol_commands(mol: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    subs = mol.add_subparsers(dest="mol_command", required=True, metavar="ACTION")
    for name, help_text in (("pour", "create a molecule from a formula or proto"),
                            ("wisp", "pour an ephemeral molecule (not exported)")):  # fmt: skip
        pour = subs.add_parser(name, parents=[common], help=help_text)
        pour.add_argument("formula")
        pour.add_argument("--var", action="append", metavar="NAME=VALUE")
        pour.add_argument("-a", "--assignee")
        pour.set_defaults(handler=f"bd_mol_commands:cmd_{name}")
    current = subs.add_parser("current", parents=[common], help="where a molecule stands")
    current.add_argument("id", nargs="?")
    current.add_argument("--for", dest="agent", metavar="AGENT")
    current.set_defaults(handler="bd_mol_commands:cmd_current")
    for name, help_text in (("squash", "replace a molecule by one digest bead"),
                            ("burn", "delete a molecule")):  # fmt: skip
        action = subs.add_parser(name, parents=[common], help=help_text)
        action.add_argument("id")
        action.set_defaults(handler=f"bd_mol_commands:cmd_{name}")


def _dep_commands(dep: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    subs = dep.add_subparsers(dest="dep_command", required=True, metavar="ACTION")
    add = subs.add_parser("add", parents=[common], help="ISSUE waits for DEPENDS_ON")
    add.add_argument("issue")
    add.add_argument("depends_on")
    add.add_argument("-t", "--type", default="blocks")
    add.set_defaults(handler="bd_dep_commands:cmd_dep_add")
    remove = subs.add_parser("remove", aliases=["rm"], parents=[common], help="remove an edge")
    remove.add_argument("issue")
    remove.add_argument("depends_on")
    remove.set_defaults(handler="bd_dep_commands:cmd_dep_remove")
    tree = subs.add_parser("tree", parents=[common], help="what a bead waits for, recursively")
    tree.add_argument("id")
    tree.add_argument("--reverse", action="store_true", help="what waits for it instead")
    tree.add_argument("--max-depth", type=int, default=50)
    tree.set_defaults(handler="bd_dep_commands:cmd_dep_tree")
    cycles = subs.add_parser("cycles", parents=[common], help="dependency cycles")
    cycles.set_defaults(handler="bd_dep_commands:cmd_dep_cycles")


def _label_commands(label: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    subs = label.add_subparsers(dest="label_command", required=True, metavar="ACTION")
    for name in ("add", "remove"):
        sub = subs.add_parser(name, parents=[common], help=f"{name} labels")
        sub.add_argument("id")
        sub.add_argument("labels", nargs="+")
        sub.set_defaults(handler="bd_write_commands:cmd_label")


def _comment_commands(comment: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    subs = comment.add_subparsers(dest="comment_command", required=True, metavar="ACTION")
    add = subs.add_parser("add", parents=[common], help="add a comment")
    add.add_argument("id")
    add.add_argument("text", nargs="?")
    add.add_argument("--file", help="read the text from a file ('-' = stdin)")
    add.add_argument("--stdin", action="store_true", help="read the text from stdin")
    add.set_defaults(handler="bd_write_commands:cmd_comment_add")
    listing = subs.add_parser("list", parents=[common], help="list comments")
    listing.add_argument("id")
    listing.set_defaults(handler="bd_read_commands:cmd_comment_list")


_VALUED_GLOBALS = ("--actor", "--db")


def expand_aliases(argv: list[str]) -> list[str]:
    """Spellings agents already know: `bd comment ID TEXT` adds a comment (as in the real CLI)
    and `bd comments ID` lists them; `bd comment(s) add|list …` stay as they are."""
    for index, token in enumerate(argv):
        if token.startswith("-") or (index and argv[index - 1] in _VALUED_GLOBALS):
            continue
        following = argv[index + 1 : index + 2]
        if token in ("comment", "comments") and following and following[0] not in (
            "add", "list", "-h", "--help",
        ):  # fmt: skip
            action = "add" if token == "comment" else "list"
            return [*argv[: index + 1], action, *argv[index + 1 :]]
        return argv
    return argv
