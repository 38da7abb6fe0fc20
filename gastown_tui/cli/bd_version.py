"""`bd version`: which beads interface this `bd` speaks, and which gastown_tui it is.

Clients of the real beads CLI gate on its version (beads-mcp needs at least 0.9.0 and reads the
first `X.Y.Z` of `bd version`), so the first version printed is the beads CLI release whose
commands, flags and `--json` shapes we follow; our own version comes after it.
"""

from __future__ import annotations

from gastown_tui.cli.command_context import CommandContext

BEADS_INTERFACE_VERSION = "1.0.5"
GASTOWN_TUI_VERSION = "0.1.0"


def version_line() -> str:
    return f"bd version {BEADS_INTERFACE_VERSION} (gastown_tui {GASTOWN_TUI_VERSION})"


def cmd_version(ctx: CommandContext) -> None:
    if ctx.json:
        ctx.emit_json({"version": BEADS_INTERFACE_VERSION, "build": "gastown_tui",
                       "gastown_tui_version": GASTOWN_TUI_VERSION})  # fmt: skip
    else:
        ctx.say(version_line())
