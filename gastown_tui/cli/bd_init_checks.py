"""What `bd init` checks before it touches an existing store."""

from __future__ import annotations

from pathlib import Path

from gastown_tui.cli.command_context import CommandError
from gastown_tui.store.store_config import read_config
from gastown_tui.store.store_paths import StorePaths


def refuse_other_prefix(beads_dir: Path, prefix: str) -> None:
    """A store keeps the prefix it was made with: its ids carry it. `bd init --prefix X` on a
    store made with another prefix is refused, saying which one it has, rather than ignored."""
    config = StorePaths(beads_dir).config
    if not config.exists():
        return
    existing = read_config(config).prefix
    if existing != prefix:
        raise CommandError(
            f"refused: {beads_dir} is already a beads store with prefix {existing!r}; "
            f"its ids keep that prefix, so 'bd init --prefix {prefix}' cannot change it "
            f"(run 'bd init' without --prefix, or use another directory)"
        )
