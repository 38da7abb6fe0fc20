"""`gt demo`: the beads store at work on a real beads file, with no API key needed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gastown_tui.cli.bd_main import main as bd_main
from gastown_tui.cli.command_context import CommandError
from gastown_tui.cli.gt_context import GtContext
from gastown_tui.resources import demo_dir


def run_demo(directory: Path | None) -> int:
    """Import the shipped sample into a scratch store and show its stats and ready work."""
    target = directory or Path(tempfile.mkdtemp(prefix="gastown-demo-"))
    target.mkdir(parents=True, exist_ok=True)
    sample = demo_dir() / "gastown_ui.issues.jsonl"
    previous = Path.cwd()
    os.chdir(target)
    try:
        steps = (
            ["init", "--prefix", "gt"],
            ["import", str(sample)],
            ["stats"],
            ["ready", "--limit", "10"],
        )
        for step in steps:
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
    code = run_demo(ctx.args.dir)
    if code:
        raise CommandError("the demo failed", code=code)
