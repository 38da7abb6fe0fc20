"""A real store in tmp_path for the engine's edit functions, and what they wrote to its log."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path
from typing import Any

import orjson

from gastown_tui.core.clock import FixedClock
from gastown_tui.core.formula_cook import cook
from gastown_tui.core.formula_model import Protomolecule
from gastown_tui.core.formula_parser import parse_formula
from gastown_tui.store.bead_edits.bead_creation import NewBead, create_bead
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.store_config import StoreConfig

ACTOR = "rig/polecats/ace"

CHECK_FORMULA = """\
    formula = "check"
    description = "lint, test, then report"
    type = "workflow"

    [[steps]]
    id = "lint"
    title = "Run linter"

    [[steps]]
    id = "test"
    title = "Run tests"

    [[steps]]
    id = "report"
    title = "Report results"
    needs = ["lint", "test"]
"""


def new_store(root: Path, *, export_auto: bool = False) -> BeadsStore:
    beads = root / ".beads"
    beads.mkdir(parents=True)
    (beads / "config.toml").write_text(StoreConfig("t", export_auto).to_toml(), encoding="utf-8")
    return BeadsStore.initialize(beads, "t", clock=FixedClock(), rng=random.Random(5),
                                 report=lambda _: None)  # fmt: skip


def logged(store: BeadsStore) -> list[dict[str, Any]]:
    """Every event in the store's log, in file order."""
    return [orjson.loads(line) for line in store.paths.events.read_bytes().splitlines()]


def logged_since(store: BeadsStore, count: int) -> list[dict[str, Any]]:
    return logged(store)[count:]


def bead(store: BeadsStore, title: str, **fields: Any) -> str:
    return create_bead(store, "overseer", NewBead(title=title, **fields))


def check_formula() -> Protomolecule:
    return cook(parse_formula(textwrap.dedent(CHECK_FORMULA), "check.formula.toml"))
