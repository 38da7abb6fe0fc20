"""Stopping everything a town runs: its tmux server (daemon, Refineries, polecats), what was
still running in the panes' process groups, and gates a Refinery left running in theirs.

Used by `gt demo` when the operator quits (or presses Ctrl-C), so nothing it started outlives it.
`take_down` is `gt down`: the server stops, and each polecat's running bead gets its
`session_end` ("gt down") with the session marker cleared, so `gt up` (or the Deacon) resumes it
in its kept worktree as hooked work, not as a ZOMBIE, and no respawn is counted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from gastown_tui.core import record as rec
from gastown_tui.runtime.gate_runner import kill_group, kill_leftovers
from gastown_tui.runtime.town_processes import kill_processes, processes_in
from gastown_tui.town.agents import agents
from gastown_tui.town.hooks import hook_queue, running_bead
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.town import Town
from gastown_tui.town.work.work_sessions import end_session_record, rig_lock

SWEEPS = 5  # rounds of looking for stragglers after the server is gone


@dataclass(frozen=True)
class Shutdown:
    sessions: list[str]  # the tmux sessions that were running
    process_groups: list[int]  # pane and gate process groups that were still alive and killed


def shut_down(town: Town) -> Shutdown:
    sessions = town.tmux.sessions()
    panes = town.tmux.panes() or []
    town.tmux.kill_server()
    # tmux gives each pane its own process group: kill what is left of it after the hang-up.
    killed = [pane.pid for pane in panes if not pane.dead and kill_group(pane.pid)]
    records = town.paths.runtime / "refinery"
    if records.is_dir():
        for record in sorted(records.glob("*gates.json")):
            killed.extend(kill_leftovers(record))
    # A detached `gt polecat cycle` (from a gt done just before) is in no pane and may start a
    # session, and so a new server, after the kill: stop such stragglers, a few rounds at most.
    for _ in range(SWEEPS):
        stragglers = kill_processes(processes_in(town.paths.root))
        revived = town.tmux.kill_server()
        if not stragglers and not revived:
            break
        killed.extend(stragglers)
        time.sleep(0.2)
    return Shutdown(sessions, killed)


def take_down(town: Town, actor: str) -> list[str]:
    """`gt down`: stop the town's tmux server; returns the sessions that were running."""
    sessions = town.tmux.sessions()
    town.tmux.kill_server()  # the daemon first: nothing restarts a session behind our back
    town.store.projection.catch_up()
    for record in agents(town, role="polecat"):
        metadata = rec.metadata_of(record)
        rig = town.rigs().get(str(metadata.get("rig")))
        if rig is None:
            continue
        address = str(metadata.get("address"))
        session = polecat_session(rig.prefix, str(metadata.get("name")))
        with rig_lock(town, rig.name):
            town.store.projection.catch_up()
            current = running_bead(hook_queue(town.store.connection, address))
            if current is not None:
                end_session_record(town, current["id"], session, address, "gt down", actor)
    return sessions
