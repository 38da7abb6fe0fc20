"""Stopping everything a town runs: its tmux server (daemon, Refineries, polecats), what was
still running in the panes' process groups, and gates a Refinery left running in theirs.

Used by `gt demo` when the operator quits (or presses Ctrl-C), so nothing it started outlives it.
"""

from __future__ import annotations

from dataclasses import dataclass

from gastown_tui.runtime.gate_runner import kill_group, kill_leftovers
from gastown_tui.town.town import Town


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
    return Shutdown(sessions, killed)
