"""`.beads/config.toml`: the store's prefix and options."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


class ConfigError(ValueError):
    """A config.toml that cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class StoreConfig:
    prefix: str = "bd"
    export_auto: bool = False

    def to_toml(self) -> str:
        auto = "true" if self.export_auto else "false"
        return (
            "# beads store settings (gastown_tui)\n"
            f'prefix = "{self.prefix}"\n\n'
            "[export]\n"
            "# write issues.jsonl after every change (for beads_viewer and other bd readers)\n"
            f"auto = {auto}\n"
        )


def read_config(path: Path) -> StoreConfig:
    if not path.exists():
        return StoreConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from error
    prefix = data.get("prefix", "bd")
    export = data.get("export", {})
    if not isinstance(prefix, str) or not isinstance(export, dict):
        raise ConfigError(f"{path}: 'prefix' must be a string and [export] a table")
    return StoreConfig(prefix=prefix, export_auto=bool(export.get("auto", False)))
