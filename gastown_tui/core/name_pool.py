"""Polecat names: a themed pool, each name unique within its rig."""

from __future__ import annotations

import random
from collections.abc import Collection

THEMES: dict[str, tuple[str, ...]] = {
    "mad-max": (
        "nux",
        "furiosa",
        "slit",
        "rictus",
        "capable",
        "toast",
        "dag",
        "cheedo",
        "valkyrie",
        "keeper",
        "morsov",
        "ace",
        "warboy",
        "immortan",
        "scrotus",
        "organic",
        "corpus",
        "dementus",
        "glory",
        "splendid",
        "angharad",
        "max",
        "jabassa",
        "miss-giddy",
        "bullet",
        "people-eater",
        "doof",
        "coma",
        "buzzard",
        "vuvalini",
    ),
    "minerals": (
        "quartz",
        "basalt",
        "garnet",
        "mica",
        "onyx",
        "jasper",
        "pyrite",
        "galena",
        "talc",
        "beryl",
        "cobalt",
        "flint",
        "gypsum",
        "opal",
        "shale",
        "topaz",
        "zircon",
        "agate",
    ),
}
DEFAULT_THEME = "mad-max"


def pick_name(taken: Collection[str], rng: random.Random, theme: str = DEFAULT_THEME) -> str:
    """The first free name of the theme in pool order; past the pool, `<name>-<n>`."""
    pool = THEMES.get(theme, THEMES[DEFAULT_THEME])
    for name in pool:
        if name not in taken:
            return name
    for round_number in range(2, 1000):
        for name in pool:
            candidate = f"{name}-{round_number}"
            if candidate not in taken:
                return candidate
    return f"polecat-{rng.randrange(1 << 30):x}"
