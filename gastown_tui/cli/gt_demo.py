"""`gt demo`: a demo town with sim workers (no API key), or the beads store on a real sample."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from gastown_tui.cli.bd_main import main as bd_main
from gastown_tui.cli.command_context import CommandError
from gastown_tui.cli.gt_context import GtContext
from gastown_tui.cli.gt_town_commands import status_text
from gastown_tui.resources import demo_dir
from gastown_tui.town.demo.demo_town import build_demo_town, git_available
from gastown_tui.town.read_model.town_status import town_status
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
    target = ctx.args.dir or Path(tempfile.mkdtemp(prefix="gastown-demo-"))
    if ctx.args.beads_sample:
        code = run_beads_sample(target)
        if code:
            raise CommandError("the demo failed", code=code)
        return
    if shutil.which("tmux") is None or not git_available():
        raise CommandError("the demo town needs tmux and git on PATH (apt-get install tmux git)")
    demo = build_demo_town(target, ctx.args.step_delay, ctx.actor)
    town = Town.find(demo.root)
    deadline = time.monotonic() + ctx.args.wait
    try:
        while not ctx.json and time.monotonic() < deadline:
            status = town_status(town)
            print(status_text(status) + "\n", flush=True)
            records = [town.store.get(bead) for bead in demo.beads]
            if all(r is not None and r.get("status") == "closed" for r in records):
                print("All four beads landed on main.\n")
                break
            time.sleep(max(ctx.args.step_delay, 2.0))
    finally:
        town.close()
    result = {"town": str(demo.root), "rig": demo.rig, "beads": demo.beads, "slung": demo.slung,
              "socket": demo.socket}  # fmt: skip
    if ctx.json:
        ctx.emit_json(result)
        return
    print(f"\nThe demo town is in {demo.root}. Try, from there:")
    print("  gt status --watch            the fleet at a glance")
    print("  gt mq list --all             what the Refinery merged")
    print(f"  tmux -L {demo.socket} attach   watch a sim worker in its pane (Ctrl-b d detaches)")
    print("  bd list --all                every bead, steps and merge requests included")
    print("  git -C rigs/demo-app/repo.git log --oneline main    one commit per bead")
    print("  gt down                      stop every session of this town")
