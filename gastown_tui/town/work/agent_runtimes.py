"""The command a polecat session runs, per agent runtime (DESIGN §5).

Always an argv list: tmux runs a multi-argument command without a shell, so nothing in it is
ever interpreted. `claude` comes from rig.toml's template; `sim` is our simulated worker.
"""

from __future__ import annotations

import shutil
import sys

from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.town.town import TownError

FIRST_PROMPT = (
    "Run `gt prime` and follow it: the work on your hook starts now. "
    "When every step is done, run `gt done`."
)


def session_command(rig: RigSettings, runtime: str, model: str) -> list[str]:
    if runtime == "sim":
        return [sys.executable, "-m", "gastown_tui.runtime.sim_worker"]
    if runtime == "claude":
        values = {"{model}": model, "{prompt}": FIRST_PROMPT}
        return [values.get(part, part) for part in rig.claude_command]
    raise TownError(f"runtime {runtime!r} is not available yet (use claude or sim)")


def require_runnable(rig: RigSettings, runtime: str, path: str) -> None:
    """Refuse before anything is hooked when the runtime's program is not installed: otherwise
    every session would die at once and the supervision chain would respawn it three times."""
    program = session_command(rig, runtime, rig.model)[0]
    if shutil.which(program, path=path) is None:
        raise TownError(
            f"the {runtime} runtime runs `{program}`, which is not on PATH; install "
            "it, change agent.claude_command in rig.toml, or use --runtime sim"
        )
