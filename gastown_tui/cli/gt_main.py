"""`gt`: the Gas Town workspace manager.

So far it has `gt demo`, which shows the beads store at work on a real beads file; the town
commands (install, rig, sling, done, the control room) arrive with the issues that build them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from gastown_tui.cli.bd_main import main as bd_main
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gt", description="Gas Town workspace manager")
    parser.add_argument("--version", action="version", version="gt (gastown_tui) 0.1.0")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="show the beads store on a real sample (no API key)")
    demo.add_argument("--dir", type=Path, help="where to put the demo store (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return run_demo(args.dir)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
