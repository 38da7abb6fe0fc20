"""The town's sessions (DESIGN §5): `hq-daemon`, each rig's `<prefix>-refinery`, and every polecat
with hooked work.

`bring_up` starts whichever is not running; a crashed one (its pane dead) is replaced. Hooked
polecats are resumed first, in their kept worktrees, without counting a respawn: after `gt down`
their session markers are cleared already; when the whole tmux server was gone (a reboot), a
marker left behind is no crash of the agent's and is cleared here. A session that died while the
server ran is left to the Deacon (a ZOMBIE, counted).
"""

from __future__ import annotations

import sys

from gastown_tui.core import record as rec
from gastown_tui.town.agents import agents
from gastown_tui.town.hooks import hook_queue, running_bead
from gastown_tui.town.session_names import DAEMON_SESSION, polecat_session, refinery_session
from gastown_tui.town.town import Town
from gastown_tui.town.work.work_sessions import (
    end_session_record,
    rig_lock,
    session_alive,
    start_next_locked,
)

ACTOR = "overseer"


def bring_up(town: Town, actor: str = ACTOR) -> list[str]:
    """Resume hooked polecats, start the daemon and every rig's Refinery that is not running;
    returns the sessions started."""
    started = resume_polecats(town, actor, server_was_down=not town.tmux.sessions())
    wanted: list[tuple[str, str, str, str | None, list[str]]] = [
        (DAEMON_SESSION, "daemon", "deacon", None, ["daemon", "run"])
    ]
    for rig in town.rigs().values():
        wanted.append((refinery_session(rig.prefix), "refinery", f"{rig.name}/refinery",
                       rig.name, ["refinery", "run", rig.name]))  # fmt: skip
    for session, role, role_actor, rig_name, arguments in wanted:
        if session_alive(town, session):
            continue
        town.tmux.kill_session(session)  # the dead pane of one that crashed
        environment = town.session_environment(role, role_actor, rig_name)
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


def resume_polecats(town: Town, actor: str, *, server_was_down: bool) -> list[str]:
    """Start every polecat whose hook has work and no live session; returns their sessions."""
    town.store.projection.catch_up()
    started = []
    for record in agents(town, role="polecat"):
        metadata = rec.metadata_of(record)
        rig = town.rigs().get(str(metadata.get("rig")))
        if rig is None:
            continue
        name, address = str(metadata.get("name")), str(metadata.get("address"))
        session = polecat_session(rig.prefix, name)
        with rig_lock(town, rig.name):
            town.store.projection.catch_up()
            queue = hook_queue(town.store.connection, address)
            current = running_bead(queue)
            if not queue or session_alive(town, session):
                continue
            if current is not None:
                if not server_was_down:
                    continue  # it died while tmux ran: the Deacon's ZOMBIE, counted
                end_session_record(town, current["id"], session, address,
                                   "resumed: the tmux server had stopped", actor)  # fmt: skip
            begun = start_next_locked(town, rig, name, actor)
        if begun is not None:
            started.append(begun.session)
    return started
