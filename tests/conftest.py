"""Shared fixtures: running the real `bd` command line against a store in tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "shared" / "beads-samples"


@dataclass
class BdResult:
    """What one `bd` run produced."""

    returncode: int
    stdout: str
    stderr: str
    stdout_bytes: bytes

    def json(self) -> Any:
        return json.loads(self.stdout_bytes)


@dataclass
class BdRunner:
    """Runs `python -m gastown_tui.cli.bd_main` (the real CLI) in `cwd`, in a clean environment."""

    cwd: Path
    env: dict[str, str]

    def __call__(
        self,
        *args: str,
        input: bytes | None = None,
        check: bool = True,
        actor: str | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> BdResult:
        env = dict(self.env)
        if actor:
            env["BD_ACTOR"] = actor
        env.update(extra_env or {})
        done = subprocess.run(
            [sys.executable, "-m", "gastown_tui.cli.bd_main", *args],
            cwd=self.cwd, env=env, input=input, capture_output=True, timeout=120,
        )  # fmt: skip
        result = BdResult(
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
            done.stdout,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"bd {' '.join(args)} exited {done.returncode}\nstdout: {result.stdout}\n"
                f"stderr: {result.stderr}"
            )
        return result

    @property
    def beads_dir(self) -> Path:
        return self.cwd / ".beads"

    def events(self) -> list[dict[str, Any]]:
        """Every event line in the store's log (parsed), in file order."""
        path = self.beads_dir / "events.jsonl"
        return [json.loads(line) for line in path.read_bytes().splitlines() if line.strip()]

    def new_events(self, since: int) -> list[dict[str, Any]]:
        return self.events()[since:]


def clean_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("BD_", "GT_", "BEADS_"))}  # fmt: skip
    env["HOME"] = str(home)
    env["PYTHONUTF8"] = "1"
    return env


@pytest.fixture
def bd_factory(tmp_path: Path) -> Callable[[str], BdRunner]:
    """Make runners for several independent stores in one test."""

    def make(name: str) -> BdRunner:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        return BdRunner(folder, clean_env(tmp_path))

    return make


@pytest.fixture
def bd(bd_factory: Callable[[str], BdRunner]) -> BdRunner:
    """A runner in a fresh directory with an initialized store (prefix `t`)."""
    runner = bd_factory("project")
    runner("init", "--prefix", "t")
    return runner


# Real towns with their own tmux servers: through the CLI (town_fixtures, the `gt` integration
# tests) or built in-process through the engine API (engine_town, the read model and the UI).
from engine_town import engine_env, engine_town_factory  # noqa: E402
from town_fixtures import rig_town, tmux_dir, town, town_factory  # noqa: E402
from ui_town import hostile, staged  # noqa: E402

__all__ = [
    "BdRunner",
    "engine_env",
    "engine_town_factory",
    "hostile",
    "rig_town",
    "staged",
    "tmux_dir",
    "town",
    "town_factory",
]
