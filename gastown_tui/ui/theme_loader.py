"""Themes from `themes/*.toml` (DESIGN §7): each file is the fields of a Textual `Theme`.

Textual has no loader of its own; a bad file is reported by name and skipped, so one typo
never takes the control room down.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from textual.theme import Theme

from gastown_tui.resources import shipped_dir

THEME_ORDER = ("gastown", "daylight", "high-contrast")


@dataclass(frozen=True)
class LoadedThemes:
    themes: tuple[Theme, ...]
    problems: tuple[str, ...]  # "PATH: reason" for each file that could not be used


def load_themes(directory: Path | None = None) -> LoadedThemes:
    folder = directory or shipped_dir("themes")
    themes: list[Theme] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            themes.append(Theme(**data))
        except (
            OSError,
            UnicodeDecodeError,
            tomllib.TOMLDecodeError,
            TypeError,
            ValueError,
        ) as error:
            problems.append(f"{path}: {error}")
    themes.sort(key=lambda theme: (_rank(theme.name), theme.name))
    return LoadedThemes(tuple(themes), tuple(problems))


def _rank(name: str) -> int:
    return THEME_ORDER.index(name) if name in THEME_ORDER else len(THEME_ORDER)
