"""End to end: the real `gt tui` in a real terminal (a tmux pane of a viewer server of its own),
driven with send-keys and read with capture-pane, against a staged town on another server.

It starts, shows a polecat of the town, answers keys (help, attach for real and come back on
detach), and `q` ends it with nothing left running.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from town_fixtures import eventually
from ui_town import StagedTown


class Viewer:
    """A tmux server standing in for the operator's terminal."""

    def __init__(self, env: dict[str, str]) -> None:
        self.socket = f"gtv-{uuid.uuid4().hex[:8]}"
        self.env = env

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], env=self.env, text=True,
                              capture_output=True, check=False)  # fmt: skip
        return done.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "view")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "view", *keys)

    def pane(self) -> tuple[bool, int]:
        dead, pid = self.tmux("list-panes", "-t", "view", "-F", "#{pane_dead} #{pane_pid}").split()
        return dead == "1", int(pid)


def test_gt_tui_starts_answers_keys_attaches_and_quits_clean(
    staged: StagedTown, tmp_path: Path
) -> None:
    env = {k: v for k, v in staged.env.items() if k != "TMUX"}
    env.update({"GT_TOWN": str(staged.town.paths.root), "GT_CONFIG_DIR": str(tmp_path / "cfg"),
                "TERM": "xterm-256color"})  # fmt: skip
    viewer = Viewer(env)
    command = f"{sys.executable} -m gastown_tui.cli.gt_main tui --tick 1"
    viewer.tmux("new-session", "-d", "-s", "view", "-x", "140", "-y", "44", "-c",
                str(staged.town.paths.root), command)  # fmt: skip
    viewer.tmux("set-option", "-w", "-t", "view:", "remain-on-exit", "on")
    # A detached session may still come up at the default 80x24: fix the size explicitly.
    viewer.tmux("set-option", "-w", "-t", "view:", "window-size", "manual")
    viewer.tmux("resize-window", "-t", "view:", "-x", "140", "-y", "44")
    try:
        eventually(
            lambda: "nux" in viewer.screen() and "HELP 2" in viewer.screen(),
            timeout=60,
            what="the dashboard with the town's polecats",
            describe=viewer.screen,
        )
        _, app_pid = viewer.pane()

        viewer.keys("?")
        eventually(lambda: "Acknowledge the selected escalation" in viewer.screen(),
                   what="the help screen")  # fmt: skip
        viewer.keys("Escape")
        eventually(lambda: "Escalations" in viewer.screen(), what="back on the dashboard")

        # Attach for real: the app hands the terminal to the polecat's session, then comes back.
        _select_nux(viewer)
        viewer.keys("a")
        eventually(lambda: "....F." in viewer.screen() and "Escalations" not in viewer.screen(),
                   what="the polecat's own pane, attached")  # fmt: skip
        viewer.keys("C-b", "d")
        eventually(lambda: "Escalations" in viewer.screen(), what="the dashboard after detach")

        viewer.keys("q")
        eventually(lambda: viewer.pane()[0], what="the app to exit")
        assert not _alive(app_pid)
        children = subprocess.run(["pgrep", "-P", str(app_pid)], capture_output=True,
                                  text=True, check=False)  # fmt: skip
        assert children.stdout.strip() == ""
        assert staged.town.tmux.has_session("ga-nux")  # quitting the app leaves the town alone
    finally:
        viewer.tmux("kill-server")


def _select_nux(viewer: Viewer) -> None:
    """Move the rigs tree's cursor down to nux, one key at a time, waiting for each move to
    show in the agent panel's title (on a loaded machine a repaint can take a while)."""
    wanted = "nux · gastown/polecats/nux"
    for _ in range(8):
        before = viewer.screen()
        if wanted in before:
            return
        viewer.keys("j")
        eventually(lambda b=before: viewer.screen() != b, timeout=15, what="the cursor to move")
    raise AssertionError("could not select nux:\n" + viewer.screen())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()
