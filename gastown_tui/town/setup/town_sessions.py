"""The town's own sessions (DESIGN §5): `hq-daemon` and each rig's `<prefix>-refinery`.

`bring_up` starts whichever is not running; a crashed one (its pane dead) is replaced.
"""

from __future__ import annotations

import sys

from gastown_tui.town.session_names import DAEMON_SESSION, refinery_session
from gastown_tui.town.town import Town
from gastown_tui.town.work.work_sessions import session_alive


def bring_up(town: Town) -> list[str]:
    """Start the daemon and every rig's Refinery that is not running; returns those started."""
    wanted: list[tuple[str, str, str, str | None, list[str]]] = [
        (DAEMON_SESSION, "daemon", "deacon", None, ["daemon", "run"])
    ]
    for rig in town.rigs().values():
        wanted.append((refinery_session(rig.prefix), "refinery", f"{rig.name}/refinery",
                       rig.name, ["refinery", "run", rig.name]))  # fmt: skip
    started = []
    for session, role, actor, rig_name, arguments in wanted:
        if session_alive(town, session):
            continue
        town.tmux.kill_session(session)  # the dead pane of one that crashed
        environment = town.session_environment(role, actor, rig_name)
        command = [sys.executable, "-m", "gastown_tui.cli.gt_main", *arguments]
        town.tmux.new_session(
            session,
            str(town.paths.root),
            environment,
            command,
            base_environment=town.user_environment(),
        )
        started.append(session)
    return started
