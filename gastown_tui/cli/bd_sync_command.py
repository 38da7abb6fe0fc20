"""`bd sync`: in a town it is `gt sync` (commit, pull with the union merge, push); in a plain
repository it writes `.beads/issues.jsonl` and commits the store's tracked files. Where there is
neither, it says so and fails: a sync that did nothing must never look like one that worked."""

from __future__ import annotations

from pathlib import Path

from gastown_tui.cli.command_context import CommandContext, CommandError
from gastown_tui.core.display_text import visible
from gastown_tui.store.issues_export import export_payload, write_atomically

_TRACKED = ("events.jsonl", "issues.jsonl", "config.toml", ".gitignore")


def cmd_sync(ctx: CommandContext) -> None:
    store = ctx.store
    if store.readonly:
        raise CommandError("refused: the store is open read-only (--readonly)")
    town_root = store.paths.root.parent
    if (town_root / "town.toml").is_file():
        _sync_town(ctx, town_root)
        return
    from gastown_tui.runtime.git_repo import GitError, commit_paths, git_run

    payload, count = export_payload(store, include_wisps=False)
    write_atomically(store.paths.issues_export, payload)
    try:
        top = Path(git_run(store.paths.root, "rev-parse", "--show-toplevel"))
    except GitError as error:
        raise CommandError(
            f"nothing to sync to: {store.paths.root} is neither in a town nor in a git "
            f"repository (wrote {count} issues to {store.paths.issues_export}; run 'git init' "
            "to track the store, or use gt for a town)"
        ) from error
    relative = store.paths.root.resolve().relative_to(top.resolve())
    message = ctx.args.message or f"bd sync: {count} issues"
    try:
        commit = commit_paths(top, [str(relative / name) for name in _TRACKED], message)
    except GitError as error:
        raise CommandError(str(error)) from error
    result = {
        "mode": "git",
        "repository": str(top),
        "exported": count,
        "committed": bool(commit),
        "commit": commit,
        "pushed": False,
    }
    if ctx.json:
        ctx.emit_json(result)
    elif commit:
        ctx.say(
            f"exported {count} issues and committed {commit[:12]} in {visible(str(top))} "
            "(not pushed: git push shares it)"
        )
    else:
        ctx.say(f"exported {count} issues; nothing new to commit in {visible(str(top))}")


def _sync_town(ctx: CommandContext, root: Path) -> None:
    from gastown_tui.runtime.git_repo import GitError
    from gastown_tui.town.setup.town_sync import sync_town
    from gastown_tui.town.town import Town, TownError

    try:
        result = sync_town(Town.find(root), actor=ctx.actor)
    except (TownError, GitError) as error:
        raise CommandError(str(error)) from error
    if ctx.json:
        ctx.emit_json({"mode": "town", **result.to_json()})
    else:
        ctx.say(
            f"gt sync: committed={result.committed} pulled={result.pulled} "
            f"pushed={result.pushed} ({result.events} events)"
        )
