"""What the control room remembers between runs (the theme), in one small JSON file.

`$GT_CONFIG_DIR/tui.json`, else `$XDG_CONFIG_HOME/gastown_tui/tui.json`, else
`~/.config/gastown_tui/tui.json`. A missing or broken file means defaults, never a crash; a
write goes through a temporary file and a rename, so a killed app never leaves half a file.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_THEME = "gastown"


@dataclass(frozen=True)
class UiSettings:
    theme: str = DEFAULT_THEME


def settings_path(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("GT_CONFIG_DIR"):
        return Path(env["GT_CONFIG_DIR"]) / "tui.json"
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else None
    base = base or Path(env.get("HOME", str(Path.home()))) / ".config"
    return base / "gastown_tui" / "tui.json"


def load_settings(path: Path) -> UiSettings:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return UiSettings()
    theme = data.get("theme") if isinstance(data, dict) else None
    return UiSettings(theme=theme if isinstance(theme, str) and theme else DEFAULT_THEME)


def save_settings(path: Path, settings: UiSettings) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(asdict(settings), indent=2) + "\n", encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass  # a read-only home must not break the app; the theme is simply not remembered
