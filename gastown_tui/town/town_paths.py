"""Where a town's files live (DESIGN §5), and finding the town from a directory or `GT_TOWN`."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

TOWN_FILE = "town.toml"


class TownNotFoundError(LookupError):
    """No town.toml here or above, and no GT_TOWN."""


@dataclass(frozen=True)
class TownPaths:
    root: Path

    @property
    def town_toml(self) -> Path:
        return self.root / TOWN_FILE

    @property
    def beads(self) -> Path:
        return self.root / ".beads"

    @property
    def formulas(self) -> Path:
        return self.root / "formulas"

    @property
    def runtime(self) -> Path:
        return self.root / ".runtime"

    @property
    def rigs(self) -> Path:
        return self.root / "rigs"

    def lock(self, name: str) -> Path:
        folder = self.runtime / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{name}.lock"

    @property
    def heartbeats(self) -> Path:
        return self.runtime / "heartbeats"

    @property
    def logs(self) -> Path:
        return self.runtime / "logs"

    def rig(self, name: str) -> Path:
        return self.rigs / name

    def rig_toml(self, name: str) -> Path:
        return self.rigs / name / "rig.toml"

    def repo_git(self, rig: str) -> Path:
        return self.rigs / rig / "repo.git"

    def refinery(self, rig: str) -> Path:
        return self.rigs / rig / "refinery"

    def polecat(self, rig: str, name: str) -> Path:
        return self.rigs / rig / "polecats" / name

    def crew(self, rig: str, name: str) -> Path:
        return self.rigs / rig / "crew" / name

    def socket_name(self, environ: dict[str, str] | None = None) -> str:
        """`GT_TMUX_SOCKET`, else `gt-<6 hex of the town path>`: one tmux server per town."""
        env = os.environ if environ is None else environ
        explicit = env.get("GT_TMUX_SOCKET")
        if explicit:
            return explicit
        digest = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:6]
        return f"gt-{digest}"


def find_town(start: Path | None = None, environ: dict[str, str] | None = None) -> TownPaths:
    env = os.environ if environ is None else environ
    explicit = env.get("GT_TOWN")
    if explicit:
        root = Path(explicit)
        if not (root / TOWN_FILE).is_file():
            raise TownNotFoundError(f"GT_TOWN={explicit} has no {TOWN_FILE}")
        return TownPaths(root.resolve())
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / TOWN_FILE).is_file():
            return TownPaths(folder)
    raise TownNotFoundError(
        f"no town here: {here} has no {TOWN_FILE} above it (run `gt install <dir>`, or set GT_TOWN)"
    )
