"""How the control room writes things: glyphs, ages, bars, and untrusted text made safe.

Every piece of untrusted text (a title, mail, an agent's name) goes through `safe()`: a Rich
`Text` (never markup), with control characters shown as escapes. Glyphs are single-width in
every common terminal font, so snapshots match across terminals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from rich.text import Text

from gastown_tui.core.display_text import visible

STATE_GLYPHS = {
    "working": ("●", "$success"),
    "stalled": ("⚠", "$warning"),
    "waiting": ("◐", "$warning"),
    "zombie": ("✗", "$error"),
    "spawning": ("◌", "$accent"),
    "resting": ("○", "dim"),
    "idle": ("◇", "$warning"),
    "unknown": ("?", "dim"),
}
SEVERITY_STYLES = {"CRITICAL": "bold $error", "HIGH": "$error", "MEDIUM": "$warning", "LOW": "dim"}
SEVERITY_SHORT = {"CRITICAL": "CRIT", "HIGH": "HIGH", "MEDIUM": "MED", "LOW": "LOW"}
MR_GLYPHS = {
    "queued": ("○", "dim"),
    "testing": ("⚙", "$accent"),
    "merged": ("✓", "$success"),
    "conflict": ("✗", "$error"),
    "failed": ("✗", "$error"),
    "rejected": ("⊘", "$warning"),
    "superseded": ("↷", "dim"),
}
_VARIABLE = re.compile(r"\$([a-z][a-z0-9-]*)")


def themed(style: str, colors: Mapping[str, str]) -> str:
    """A style naming theme variables (`bold $error`) with the theme's colours put in, for
    Rich `Text` (which knows no variables); an unknown variable is dropped."""

    def colour(match: re.Match[str]) -> str:
        value = colors.get(match.group(1), "")
        return value[:7] if value.startswith("#") else ""

    return " ".join(_VARIABLE.sub(colour, style).split())


def safe(text: object, style: str = "") -> Text:
    """Untrusted text as a Text: no markup, one line, control characters visible."""
    return Text(visible(str(text)), style=style, no_wrap=True, end="")


def safe_block(text: object, style: str = "") -> Text:
    """Untrusted multi-line text (a problem statement, a description): newlines kept."""
    return Text(visible(str(text), keep_newlines=True), style=style, end="")


def age(seconds: float | None) -> str:
    """Coarse on purpose (a label that changes every second costs a repaint every second)."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return "<1m"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    return f"{hours}h" if hours < 48 else f"{hours // 24}d"


def age_since(moment: datetime | None, now: datetime) -> str:
    return age(None if moment is None else max(0.0, (now - moment).total_seconds()))


def bar(fraction: float, width: int = 8) -> str:
    """A progress bar of block characters, eighths included."""
    fraction = min(1.0, max(0.0, fraction))
    eighths = round(fraction * width * 8)
    full, rest = divmod(eighths, 8)
    partial = " ▏▎▍▌▋▊▉"[rest] if rest else ""
    return ("█" * full + partial).ljust(width, "░")


def glyph(state: str, colors: Mapping[str, str]) -> Text:
    mark, style = STATE_GLYPHS.get(state, ("?", ""))
    return Text(mark, style=themed(style, colors), end="")
