"""An open town: its settings, rigs, beads store and tmux server, as one object.

Commands and the control room open a `Town`, call the engine functions with it, and close it.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

from gastown_tui.core.clock import Clock, SystemClock
from gastown_tui.core.ids import id_prefix
from gastown_tui.core.record import Record, metadata_of
from gastown_tui.core.rig_settings import RigSettings, parse_rig_settings
from gastown_tui.core.town_settings import (
    SettingsError,
    Thresholds,
    TownSettings,
    parse_town_settings,
)
from gastown_tui.runtime.tmux_server import TmuxServer
from gastown_tui.runtime.user_environment import ensure_command_links, user_environment
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.projection import ProgressCallback
from gastown_tui.store.store_paths import StorePaths
from gastown_tui.town.town_paths import TownPaths, find_town


class TownError(Exception):
    """A refusal or failure of a town operation; the CLI prints it and exits 1."""


class Town:
    """One town on disk. The store is opened on first use."""

    def __init__(
        self,
        paths: TownPaths,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        environ: dict[str, str] | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.paths = paths
        self.progress = progress  # (bytes read, total) while the projection is rebuilt
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self.environ = dict(os.environ if environ is None else environ)
        try:
            self.settings: TownSettings = parse_town_settings(
                paths.town_toml.read_text(encoding="utf-8"), str(paths.town_toml)
            )
        except (OSError, UnicodeDecodeError) as error:
            raise TownError(f"{paths.town_toml}: {error}") from error
        self.tmux = TmuxServer(paths.socket_name(self.environ))
        self._store: BeadsStore | None = None
        self._rigs: dict[str, RigSettings] | None = None

    @classmethod
    def find(cls, start: Path | None = None, **options: object) -> Town:
        environ = options.get("environ")
        paths = find_town(start, environ if isinstance(environ, dict) else None)
        return cls(paths, **options)  # type: ignore[arg-type]

    @property
    def store(self) -> BeadsStore:
        return self.open_store()

    def open_store(self, *, catch_up: bool = True) -> BeadsStore:
        """The town's store, opened on first use; a reader that must survive an unreadable log
        (the control room) opens it with `catch_up=False` and catches up itself."""
        if self._store is None:
            self._store = BeadsStore(
                StorePaths(self.paths.beads),
                clock=self.clock,
                rng=self.rng,
                report=_warn,
                progress=self.progress,
                catch_up=catch_up,
            )
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    @property
    def thresholds(self) -> Thresholds:
        return self.settings.thresholds(self.environ.get("GT_PROFILE"))

    def rigs(self) -> dict[str, RigSettings]:
        if self._rigs is None:
            found = {}
            if self.paths.rigs.is_dir():
                for path in sorted(self.paths.rigs.glob("*/rig.toml")):
                    try:
                        text = path.read_text(encoding="utf-8")
                    except (OSError, UnicodeDecodeError) as error:
                        raise SettingsError(f"{path}: cannot read: {error}") from error
                    settings = parse_rig_settings(text, str(path))
                    found[settings.name] = settings
            self._rigs = found
        return self._rigs

    def forget_rigs(self) -> None:
        self._rigs = None

    def rig(self, name: str) -> RigSettings:
        rigs = self.rigs()
        if name not in rigs:
            known = ", ".join(rigs) or "none yet"
            raise TownError(f"no rig {name!r} in this town (rigs: {known})")
        return rigs[name]

    def rig_of(self, record: Record) -> RigSettings | None:
        """The rig a bead belongs to: `metadata.rig`, else its id prefix."""
        named = metadata_of(record).get("rig")
        rigs = self.rigs()
        if isinstance(named, str) and named in rigs:
            return rigs[named]
        prefix = id_prefix(str(record.get("id", "")))
        return next((rig for rig in rigs.values() if rig.prefix == prefix), None)

    @property
    def command_links(self) -> Path:
        """`.runtime/bin/`: `gt` and `bd`, the one directory a session gets in front of PATH."""
        return self.paths.runtime / "bin"

    def user_environment(self) -> dict[str, str]:
        """The user's environment (`environ`, as at `gt up`/`gt sling`) with `gt` and `bd` in
        front of PATH and nothing of gt's own venv (DESIGN §5)."""
        ensure_command_links(self.command_links)
        return user_environment(self.environ, self.command_links)

    def gate_environment(self) -> dict[str, str]:
        """What a rig's gates run with: the user's environment as from their own shell,
        without the town's session identity (GT_*, BD_*, BEADS_*, TMUX, TMUX_PANE), so a rig's
        tests never write to this town's store or talk to its tmux server."""
        return {key: value for key, value in self.user_environment().items()
                if not key.startswith(_SESSION_PREFIXES) and key not in _SESSION_KEYS}  # fmt: skip

    def session_environment(self, role: str, actor: str, rig: str | None) -> dict[str, str]:
        """What every session of this town starts with (DESIGN §5), passed by `new-session -e`
        over the user's environment (`user_environment`, the tmux client's)."""
        environment = {
            "GT_TOWN": str(self.paths.root),
            "GT_ROLE": role,
            "BD_ACTOR": actor,
            "BEADS_DIR": str(self.paths.beads),
            "GT_TMUX_SOCKET": self.tmux.socket,
            "PATH": self.user_environment()["PATH"],
        }
        if rig:
            environment["GT_RIG"] = rig
        for key in ("GT_PROFILE", "TMUX_TMPDIR", "HOME"):
            if self.environ.get(key):
                environment[key] = self.environ[key]
        return environment


_SESSION_PREFIXES = ("GT_", "BD_", "BEADS_")
_SESSION_KEYS = ("TMUX", "TMUX_PANE")


def _warn(message: str) -> None:
    print(message, file=sys.stderr)


__all__ = ["SettingsError", "Town", "TownError"]
