"""Finding formulas by name, in resolution order (DESIGN §6; gastown-reference §8.2).

In a plain project: its `.beads/formulas/`, then the shipped `formulas/`. In a town: the rig
checkout's `.beads/formulas/`, the town's `.beads/formulas/`, the town's `formulas/`, then the
shipped ones. The first directory holding `<name>.formula.toml` (or the older
`<name>.formula.json`) wins; later ones are shadowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gastown_tui.core.formula_model import Formula, FormulaError
from gastown_tui.core.formula_parser import parse_formula
from gastown_tui.resources import shipped_dir

SUFFIXES = (".formula.toml", ".formula.json")


@dataclass(frozen=True)
class FormulaFile:
    """One formula found on the search path, and the files of the same name it shadows."""

    name: str
    path: Path
    shadows: tuple[Path, ...] = ()


def search_dirs(
    beads_dir: Path, town_root: Path | None = None, rig_checkout: Path | None = None
) -> list[Path]:
    """The directories searched, first match wins."""
    dirs: list[Path] = []
    if rig_checkout is not None:
        dirs.append(rig_checkout / ".beads" / "formulas")
    dirs.append(beads_dir / "formulas")
    if town_root is not None:
        dirs.append(town_root / "formulas")
    dirs.append(shipped_dir("formulas"))
    unique: list[Path] = []
    for folder in dirs:
        if folder not in unique:
            unique.append(folder)
    return unique


def _name_of(path: Path) -> str | None:
    for suffix in SUFFIXES:
        if path.name.endswith(suffix):
            return path.name[: -len(suffix)]
    return None


class FormulaLibrary:
    """The formulas visible from one place, by name."""

    def __init__(self, dirs: list[Path]) -> None:
        self.dirs = dirs

    def files(self) -> list[FormulaFile]:
        found: dict[str, list[Path]] = {}
        for folder in self.dirs:
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                name = _name_of(path)
                if name is not None and path.is_file():
                    found.setdefault(name, []).append(path)
        return [
            FormulaFile(name, paths[0], tuple(paths[1:])) for name, paths in sorted(found.items())
        ]

    def find(self, name: str) -> Path:
        if not name or "/" in name or name.startswith("."):
            raise FormulaError(f"{name!r} is not a formula name")
        for folder in self.dirs:
            for suffix in SUFFIXES:
                candidate = folder / f"{name}{suffix}"
                if candidate.is_file():
                    return candidate
        searched = ", ".join(str(folder) for folder in self.dirs)
        raise FormulaError(f"no formula {name!r} (searched {searched})")

    def load(self, name: str) -> Formula:
        path = self.find(name)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise FormulaError(f"{path}: cannot read: {error}") from error
        return parse_formula(text, str(path))


def library_for(beads_dir: Path, cwd: Path) -> FormulaLibrary:
    """The library seen from `cwd` with the store at `beads_dir`.

    The store's directory is a town when it holds `town.toml`; a checkout between `cwd` and the
    filesystem root with its own `.beads/formulas/` (a rig's repository, whose `.beads/` never
    captures the store because agents run with BEADS_DIR) comes first.
    """
    owner = beads_dir.resolve().parent
    town_root = owner if (owner / "town.toml").is_file() else None
    rig_checkout = None
    here = cwd.resolve()
    for folder in (here, *here.parents):
        if folder == owner:
            break
        if (folder / ".beads" / "formulas").is_dir():
            rig_checkout = folder
            break
    return FormulaLibrary(search_dirs(beads_dir, town_root, rig_checkout))
