"""The command a polecat session runs, per agent runtime (DESIGN §5).

Always an argv list: tmux runs a multi-argument command without a shell, so nothing in it is
ever interpreted. `claude` comes from rig.toml's template; `builtin` is our agent loop on the
Messages API (town.work.builtin_session), which needs ANTHROPIC_API_KEY (and takes
ANTHROPIC_BASE_URL) from the environment of `gt sling`/`gt up`; `sim` is our simulated worker.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping

from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.town.town import TownError

FIRST_PROMPT = (
    "Run `gt prime` and follow it: the work on your hook starts now. "
    "When every step is done, run `gt done`."
)
API_KEY = "ANTHROPIC_API_KEY"
API_KEYS = (API_KEY, "ANTHROPIC_BASE_URL")


def session_command(rig: RigSettings, runtime: str, model: str) -> list[str]:
    if runtime == "sim":
        return [sys.executable, "-m", "gastown_tui.runtime.sim_worker"]
    if runtime == "builtin":
        return [sys.executable, "-m", "gastown_tui.town.work.builtin_session", "--model", model]
    if runtime == "claude":
        values = {"{model}": model, "{prompt}": FIRST_PROMPT}
        return [values.get(part, part) for part in rig.claude_command]
    raise TownError(f"runtime {runtime!r} is not available yet (use claude, builtin or sim)")


def runtime_environment(runtime: str, environ: Mapping[str, str]) -> dict[str, str]:
    """What a session of `runtime` needs from the user's environment beyond the town's own: the
    builtin runtime's API key and base URL, passed with `new-session -e` (a tmux server started
    before they were exported would not have them), never written anywhere."""
    if runtime != "builtin":
        return {}
    return {key: environ[key] for key in API_KEYS if environ.get(key)}


def require_runnable(
    rig: RigSettings, runtime: str, path: str, environ: Mapping[str, str] | None = None
) -> None:
    """Refuse before anything is hooked when the runtime cannot start (its program is not
    installed, or the builtin runtime has no API key in `environ`): otherwise every session
    would die at once and the supervision chain would respawn it three times."""
    if runtime == "builtin" and not (os.environ if environ is None else environ).get(API_KEY):
        raise TownError(
            f"the builtin runtime needs {API_KEY} in the environment (export it before "
            "`gt up` and `gt sling`), or use --runtime sim"
        )
    program = session_command(rig, runtime, rig.model)[0]
    if shutil.which(program, path=path) is None:
        raise TownError(
            f"the {runtime} runtime runs `{program}`, which is not on PATH; install "
            "it, change agent.claude_command in rig.toml, or use --runtime sim"
        )
