"""Without tmux on PATH: a clear error where tmux is needed, and an honest status elsewhere."""

from __future__ import annotations

import shutil
from pathlib import Path

from town_fixtures import TownRunner


def no_tmux_path(tmp_path: Path) -> dict[str, str]:
    """A PATH with git on it but no tmux."""
    folder = tmp_path / "bin-without-tmux"
    folder.mkdir()
    git = shutil.which("git")
    assert git is not None
    (folder / "git").symlink_to(git)
    return {"PATH": str(folder)}


def test_status_says_tmux_is_unavailable_and_work_commands_say_why(
    rig_town: TownRunner, tmp_path: Path
) -> None:
    town = rig_town
    town.gt("polecat", "spawn", "demo")
    bead = town.bd("create", "Needs a worker", "--rig", "demo", "--json").json()["id"]
    env = no_tmux_path(tmp_path)
    status = town.gt("status", "--json", env=env).json()
    assert status["tmux"].startswith("unavailable: tmux is not installed")
    assert [p["state"] for p in status["rigs"][0]["polecats"]] == ["unknown"]
    text = town.gt("status", env=env).stdout
    assert "tmux unavailable" in text and "unknown" in text
    for args in (("nudge", "demo/polecats/nux", "hello"), ("down",)):
        result = town.gt(*args, check=False, env=env)
        assert result.returncode == 1, (args, result.stderr)
        assert "tmux is not installed" in result.stderr and "Traceback" not in result.stderr
    before = len(town.events())
    slung = town.gt("sling", bead, "demo/nux", check=False, env=env)
    assert slung.returncode == 1 and "tmux is not installed" in slung.stderr
    assert "Traceback" not in slung.stderr
    # The bead waits on the hook with no session: the daemon starts it once tmux is back.
    assert town.bead(bead)["status"] == "hooked"
    ops = [e["op"] for e in town.events()[before:]]
    assert "sling" in ops and "session_start" not in ops
