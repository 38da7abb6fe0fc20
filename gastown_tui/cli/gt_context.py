"""What every `gt` command handler receives: arguments, the town (found on first use), output."""

from __future__ import annotations

from dataclasses import dataclass

from gastown_tui.cli.command_context import CommandContext, CommandError
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.town.town import Town
from gastown_tui.town.town_paths import TownNotFoundError


@dataclass
class GtContext(CommandContext):
    _town: Town | None = None

    @property
    def town(self) -> Town:
        if self._town is None:
            try:
                self._town = Town.find()
            except TownNotFoundError as error:
                raise CommandError(str(error)) from error
        return self._town

    @property
    def store(self) -> BeadsStore:
        return self.town.store

    def close(self) -> None:
        if self._town is not None:
            self._town.close()
