"""Fixtures of the control room's tests: a staged town (see ui_town.py) and its app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_town import StagedTown, stage_town


@pytest.fixture
def staged(tmp_path: Path, engine_env: dict[str, str]) -> Iterator[StagedTown]:
    staged = stage_town(tmp_path, engine_env)
    yield staged
    staged.town.tmux.kill_server()
    staged.town.close()


@pytest.fixture
def hostile(tmp_path: Path, engine_env: dict[str, str]) -> Iterator[StagedTown]:
    staged = stage_town(tmp_path, engine_env, hostile=True)
    yield staged
    staged.town.tmux.kill_server()
    staged.town.close()
