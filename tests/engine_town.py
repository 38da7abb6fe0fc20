"""Towns built in-process through the engine API (no CLI subprocess): fast fixtures for the
read model and the control room. Real git, real SQLite, a real tmux server on a private socket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from town_fixtures import make_source_repo, town_env

from gastown_tui.core import events as ev
from gastown_tui.core.clock import FixedClock
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.setup.install import install_town
from gastown_tui.town.setup.rigs import add_rig
from gastown_tui.town.town import Town
from gastown_tui.town.town_paths import TownPaths

FIXED_NOW = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)
OVERSEER = "overseer"


def open_town(root: Path, env: dict[str, str], clock: FixedClock | None = None) -> Town:
    return Town(TownPaths(root), clock=clock or FixedClock(FIXED_NOW), environ=env)


def build_town(
    tmp_path: Path,
    env: dict[str, str],
    rigs: tuple[str, ...] = ("demo",),
    clock: FixedClock | None = None,
) -> Town:
    """An installed town with one sim rig per name (prefix = the name's first two letters)."""
    root = tmp_path / "town"
    install_town(root, "testtown", "test", OVERSEER)
    town = open_town(root, env, clock)
    for name in rigs:
        source = make_source_repo(tmp_path / f"source-{name}", env)
        add_rig(town, name, str(source), prefix=name[:2], gates={}, runtime="sim", actor=OVERSEER)
    return town


@pytest.fixture
def engine_env(tmp_path: Path, tmux_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment of an in-process town: this process runs git with it too."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = town_env(home, tmux_dir)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def engine_town_factory(
    tmp_path: Path, engine_env: dict[str, str]
) -> Iterator[Callable[..., Town]]:
    made: list[Town] = []

    def make(rigs: tuple[str, ...] = ("demo",), clock: FixedClock | None = None) -> Town:
        town = build_town(tmp_path, engine_env, rigs, clock)
        made.append(town)
        return town

    yield make
    for town in made:
        town.tmux.kill_server()
        town.close()


def start_fixed_session(town: Town, session: str, text: str) -> None:
    """A real tmux session that prints `text` and then waits: a pane whose content is fixed."""
    town.tmux.new_session(
        session,
        str(town.paths.root),
        {"PATH": town.environ["PATH"]},
        ["sh", "-c", "printf '%s\\n' \"$0\"; exec sleep 3600", text],
    )


def new_bead(town: Town, title: str, rig: str, **extra: Any) -> str:
    """An open task in `rig` (keys in `extra` override the record's), written in-process."""
    with write_transaction(town.store, "overseer") as tx:
        bead_id = tx.new_id(title, prefix=town.rig(rig).prefix)
        ts = tx.stamp()
        record = {"id": bead_id, "title": title, "status": "open", "priority": 2,
                  "issue_type": "task", "created_at": ts, "updated_at": ts,
                  "metadata": {"rig": rig}, **extra}  # fmt: skip
        tx.emit(ev.CREATE, bead_id, {"record": record}, ts)
    return bead_id
