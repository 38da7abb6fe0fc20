"""End to end: the real `gt tui` in a real terminal (a tmux pane of a viewer server of its own),
driven with send-keys and read with capture-pane, against a staged town on another server.

It starts, shows a polecat of the town, answers keys (help, attach for real and come back on
detach), and `q` ends it with nothing left running.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tmux_viewer import Viewer, alive
from town_fixtures import eventually
from ui_town import StagedTown


def test_gt_tui_starts_answers_keys_attaches_and_quits_clean(
    staged: StagedTown, tmp_path: Path
) -> None:
    env = {k: v for k, v in staged.env.items() if k != "TMUX"}
    env.update({"GT_TOWN": str(staged.town.paths.root), "GT_CONFIG_DIR": str(tmp_path / "cfg"),
                "TERM": "xterm-256color"})  # fmt: skip
    viewer = Viewer(env)
    command = f"{sys.executable} -m gastown_tui.cli.gt_main tui --tick 1"
    viewer.start(command, staged.town.paths.root)
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
        assert not alive(app_pid)
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
