"""Finding the shipped `themes/` and `formulas/`, in a checkout and in an installed wheel.

In a checkout they sit at the repository root beside the package; the wheel carries them as
`gastown_tui/_data/`. One resolver serves both so nothing else cares how it was installed.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """The directory of shipped resources `name` ("themes" or "formulas")."""
    for candidate in (_PACKAGE.parent / name, _PACKAGE / "_data" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped {name}/ not found beside {_PACKAGE} or in its _data/")


def demo_dir() -> Path:
    """Sample data for the demo (part of the package itself)."""
    return _PACKAGE / "demo_data"
