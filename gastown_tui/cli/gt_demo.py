"""`gt demo`: a demo town with sim workers (no API key), or the beads store on a real sample."""

from __future__ import annotations

import faulthandler
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gastown_tui.cli.bd_main import main as bd_main
from gastown_tui.cli.command_context import CommandError
from gastown_tui.cli.gt_context import GtContext
from gastown_tui.cli.gt_town_commands import status_text
from gastown_tui.core.exit_codes import INTERRUPTED
from gastown_tui.resources import demo_dir
from gastown_tui.town.demo.demo_town import DemoTown, build_demo_town, git_available
from gastown_tui.town.read_model.town_status import town_status
from gastown_tui.town.setup.town_shutdown import shut_down
from gastown_tui.town.town import Town


def run_beads_sample(target: Path) -> int:
    """Import the shipped sample into a scratch store and show its stats and ready work."""
    target.mkdir(parents=True, exist_ok=True)
    sample = demo_dir() / "gastown_ui.issues.jsonl"
    previous = Path.cwd()
    os.chdir(target)
    try:
        for step in (["init", "--prefix", "gt"], ["import", str(sample)], ["stats"],
                     ["ready", "--limit", "10"]):  # fmt: skip
            print(f"\n$ bd {' '.join(step)}", flush=True)
            code = bd_main(step)
            if code:
                return code
    finally:
        os.chdir(previous)
    print(f"\nThe demo store is in {target}: cd there and try `bd list --all`, `bd blocked`,")
    print("`bd query 'status = hooked'` or `bd show <id>`.")
    return 0


def cmd_demo(ctx: GtContext) -> None:
    named = ctx.args.dir
    target = named or Path(tempfile.mkdtemp(prefix="gastown-demo-"))
    if ctx.args.beads_sample:
        code = run_beads_sample(target)
        if code:
            raise CommandError("the demo failed", code=code)
        return
    if shutil.which("tmux") is None or not git_available():
        raise CommandError("the demo town needs tmux and git on PATH (apt-get install tmux git)")
    text_mode = ctx.args.no_tui or ctx.json
    demo: DemoTown | None = None
    code = 0
    with interrupts_as_keyboard_interrupt():
        try:
            demo = build_demo_town(target, ctx.args.step_delay, ctx.actor)
            if text_mode:
                _show_progress(ctx, demo)
                return  # the town stays up to explore (the hints say how to stop it)
            code = _open_control_room(demo, keep=ctx.args.keep or named is not None)
        except KeyboardInterrupt:
            code = INTERRUPTED
        finally:
            if code or not text_mode:
                _clean_up(demo, target, remove=named is None and not ctx.args.keep)
                _bound_the_exit()
    if code:
        why = "interrupted" if code == INTERRUPTED else "stopped by an error in the control room"
        raise CommandError(f"the demo was {why}; everything it started is stopped", code=code)


def _open_control_room(demo: DemoTown, keep: bool) -> int:
    from gastown_tui.ui.launch import run_demo_room

    where = "is kept" if keep else "is removed"
    notice = (f"A demo town in {demo.root}: six sim polecats on two rigs. q (or Ctrl-C) stops "
              f"it; its directory {where}.")  # fmt: skip
    return run_demo_room(demo.root, os.environ, notice)


def _clean_up(demo: DemoTown | None, target: Path, remove: bool) -> None:
    """Stop everything the demo started (also when it failed half-way) and, unless kept, remove
    its directory."""
    root = demo.root if demo is not None else target / "town"
    if (root / "town.toml").exists():
        town = Town.find(root)
        try:
            stopped = shut_down(town)
        finally:
            town.close()
        print(f"gt demo: stopped {len(stopped.sessions)} session(s)", file=sys.stderr)
    if remove:
        _remove_directory(target)
    else:
        print(f"gt demo: the demo town is kept in {root}", file=sys.stderr)


def _remove_directory(target: Path, attempts: int = 10) -> None:
    """Remove the demo's directory; a process killed a moment ago may still be writing into
    it, so a few tries a moment apart, and a clear word if it stays."""
    for _ in range(attempts):
        shutil.rmtree(target, ignore_errors=True)
        if not target.exists():
            print(f"gt demo: removed {target}", file=sys.stderr)
            return
        time.sleep(0.3)
    print(f"gt demo: could not remove {target} entirely: delete it by hand", file=sys.stderr)


EXIT_GRACE = 20.0  # seconds the interpreter may take to end once the demo is cleaned up


def _bound_the_exit() -> None:
    """Everything is stopped and removed: if ending the process still hangs (a thread the app
    left behind), it ends anyway after `EXIT_GRACE` seconds, printing where every thread was."""
    faulthandler.dump_traceback_later(EXIT_GRACE, exit=True, file=sys.stderr)


@contextmanager
def interrupts_as_keyboard_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP (the terminal closed) stop the demo as Ctrl-C does: cleaned up."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    saved = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _show_progress(ctx: GtContext, demo: DemoTown) -> None:
    town = Town.find(demo.root)
    deadline = time.monotonic() + ctx.args.wait
    try:
        while not ctx.json and time.monotonic() < deadline:
            print(status_text(town_status(town)) + "\n", flush=True)
            time.sleep(max(ctx.args.step_delay, 2.0))
    finally:
        town.close()
    result = {"town": str(demo.root), "rigs": demo.rigs, "beads": demo.beads,
              "slung": demo.slung, "convoy": demo.convoy, "polecats": demo.polecats,
              "socket": demo.socket}  # fmt: skip
    if ctx.json:
        ctx.emit_json(result)
        return
    print(f"\nThe demo town is in {demo.root}. Try, from there:")
    print("  gt tui                       the control room")
    print("  gt status --watch            the fleet at a glance")
    print("  gt mq list --all             what the Refineries merged")
    print("  gt escalate list             the polecats that asked for help")
    print(f"  tmux -L {demo.socket} attach   watch a sim worker in its pane (Ctrl-b d detaches)")
    print("  bd list --all                every bead, steps and merge requests included")
    print("  git -C rigs/demo-app/repo.git log --oneline main    one commit per bead")
    print("  gt down                      stop every session of this town")
