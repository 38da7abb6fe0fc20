"""End to end: `gt demo`, the README's first command, in a real terminal (a viewer tmux server).

It opens the control room on a live demo town: within the first minute the operator sees work
flow, merges land after green gates and a HELP escalation arrive. Ctrl-C stops everything the
demo started (its tmux server, daemon, Refineries, sim workers) and removes its temp directory,
exiting 130; a normal end (q) does the same and exits 0.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tmux_viewer import Viewer, alive
from town_fixtures import eventually, town_env


def test_gt_demo_opens_the_control_room_on_a_live_town_and_ctrl_c_stops_it_all(
    tmp_path: Path, tmux_dir: Path
) -> None:
    viewer, scratch, status = _start_demo(tmp_path, tmux_dir)
    try:
        eventually(lambda: "demo-lib" in viewer.screen(), timeout=90, what="the control room",
                   describe=viewer.screen)  # fmt: skip
        (demo_dir,) = scratch.glob("gastown-demo-*")
        town_root = (demo_dir / "town").resolve()
        eventually(lambda: "✓ merged" in viewer.screen(), timeout=120,
                   what="a merge landed after its gate", describe=viewer.screen)  # fmt: skip
        eventually(lambda: re.search(r"HELP [1-9]", viewer.screen()), timeout=60,
                   what="a HELP escalation", describe=viewer.screen)  # fmt: skip
        screen = viewer.screen()
        assert "Release 0.2" in screen, "the convoy across both rigs"
        _, app_pid = viewer.pane()
        workers = _processes_under(town_root)
        assert workers, "the demo's daemon, Refineries and sim workers run from its directory"

        viewer.keys("C-c")
        _assert_all_stopped(viewer, app_pid, status, "130", demo_dir, workers)
        assert "removed" in viewer.screen()
    finally:
        viewer.tmux("kill-server")


def test_quitting_gt_demo_normally_stops_it_all_too(tmp_path: Path, tmux_dir: Path) -> None:
    viewer, scratch, status = _start_demo(tmp_path, tmux_dir)
    try:
        eventually(lambda: "demo-lib" in viewer.screen(), timeout=90, what="the control room",
                   describe=viewer.screen)  # fmt: skip
        (demo_dir,) = scratch.glob("gastown-demo-*")
        town_root = (demo_dir / "town").resolve()
        workers = eventually(lambda: _processes_under(town_root), timeout=30,
                             what="the demo's daemon and workers")  # fmt: skip
        _, app_pid = viewer.pane()
        viewer.keys("q")
        _assert_all_stopped(viewer, app_pid, status, "0", demo_dir, workers)
    finally:
        viewer.tmux("kill-server")


def _start_demo(tmp_path: Path, tmux_dir: Path) -> tuple[Viewer, Path, Path]:
    """`gt demo` in a viewer pane, its temp directory under `scratch`. The exit status is
    written by a shell around it (`status`): the pane's death would also wait for every other
    process that still holds its terminal, which says nothing about gt demo."""
    (tmp_path / "home").mkdir()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = town_env(tmp_path / "home", tmux_dir)
    del env["GT_TMUX_SOCKET"]  # the demo town gets a socket of its own, from its path
    env.update({"TMPDIR": str(scratch), "TERM": "xterm-256color",
                "GT_CONFIG_DIR": str(tmp_path / "cfg")})  # fmt: skip
    viewer = Viewer(env)
    status = tmp_path / "status"
    viewer.start(f"sh -c '{sys.executable} -m gastown_tui.cli.gt_main demo --step-delay 0.5; "
                 f"echo $? > {status}'", tmp_path)  # fmt: skip
    return viewer, scratch, status


def _assert_all_stopped(viewer: Viewer, app_pid: int, status: Path, expected: str,
                        demo_dir: Path, workers: list[int]) -> None:  # fmt: skip
    """gt demo ended with `expected`, its directory is gone and so is every process it started,
    including any started after the quit (a revived server)."""
    eventually(status.exists, timeout=60, what="gt demo to end",
               describe=lambda: _state(viewer, app_pid))  # fmt: skip
    assert status.read_text().strip() == expected
    assert not demo_dir.exists(), "the temp directory is removed"
    eventually(lambda: not any(alive(pid) for pid in workers), timeout=10,
               what="every process the demo started to be gone")  # fmt: skip
    eventually(lambda: not _naming(demo_dir), timeout=10,
               what="no process started later (a revived server) to remain")  # fmt: skip


def _processes_under(folder: Path) -> list[int]:
    """Processes whose working directory is inside `folder`."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = (proc / "cwd").resolve()
        except OSError:
            continue
        if cwd == folder or folder in cwd.parents:
            found.append(int(proc.name))
    return found


def _naming(folder: Path) -> list[int]:
    """Processes whose command line names `folder` (a tmux server started for the demo's
    sessions carries their directories), even once the folder is deleted."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and str(folder).encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def _state(viewer: Viewer, app_pid: int) -> str:
    """What holds the viewer's pane open: the app, and every process on its terminal."""
    tty = viewer.tmux("display-message", "-p", "-t", "view", "#{pane_tty}").strip()
    holders = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fds = [str(fd.readlink()) for fd in (proc / "fd").iterdir()]
            if tty in fds:
                status = (proc / "stat").read_text().split(")")[-1].split()[0]
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ")[:160]
                holders.append(f"{proc.name} {status} {command.decode(errors='replace')}")
        except OSError:
            continue
    return f"{viewer.screen()}\napp {app_pid} alive: {alive(app_pid)}\non {tty}:\n" + "\n".join(
        holders
    )
