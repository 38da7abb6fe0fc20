"""`gt status`: rigs, polecats with state and hook, merge-queue length, open escalations.

Reads tmux once (one batched `list-panes -a`) however many polecats there are.
"""

from __future__ import annotations

from typing import Any

from gastown_tui.core import record as rec
from gastown_tui.runtime.tmux_server import TmuxError
from gastown_tui.store.bead_queries import ListFilter, list_beads
from gastown_tui.town.session_names import DAEMON_SESSION, refinery_session
from gastown_tui.town.town import Town
from gastown_tui.town.work.polecats import polecat_rows

QUEUED_STATES = ("queued", "testing")


def town_status(town: Town) -> dict[str, Any]:
    town.store.projection.catch_up()
    tmux_state = "running"
    try:
        panes = town.tmux.panes()
    except TmuxError as error:
        panes, tmux_state = None, f"unavailable: {error}"
    if panes is None and tmux_state == "running":
        tmux_state = "down"
    readable = not tmux_state.startswith("unavailable")
    # A session whose pane died (remain-on-exit keeps it for its last words) is not running.
    sessions = {pane.session for pane in panes or [] if not pane.dead}
    merge_requests = list_beads(town.store.connection, ListFilter(types=["merge-request"]))
    rigs = []
    for rig in town.rigs().values():
        queued = [
            mr
            for mr in merge_requests
            if rec.metadata_of(mr).get("rig") == rig.name
            and rec.metadata_of(mr).get("state") in QUEUED_STATES
        ]
        rigs.append(
            {
                "name": rig.name,
                "prefix": rig.prefix,
                "default_branch": rig.default_branch,
                "polecats": polecat_rows(town, rig.name, panes or [], tmux_readable=readable),
                "mq_length": len(queued),
                "mq": [mr["id"] for mr in queued],
                "refinery_running": refinery_session(rig.prefix) in sessions,
            }
        )
    escalations = list_beads(town.store.connection, ListFilter(types=["escalation"]))
    open_escalations = [
        {
            "id": e["id"],
            "severity": rec.metadata_of(e).get("severity"),
            "title": e.get("title", ""),
            "agent": rec.metadata_of(e).get("agent"),
            "acknowledged": bool(rec.metadata_of(e).get("acknowledged_by")),
        }
        for e in escalations
    ]
    return {
        "town": town.settings.name,
        "root": str(town.paths.root),
        "socket": town.tmux.socket,
        "tmux": tmux_state,
        "daemon_running": DAEMON_SESSION in sessions,
        "rigs": rigs,
        "mq_length": sum(r["mq_length"] for r in rigs),
        "escalations_open": len(open_escalations),
        "escalations": open_escalations,
    }
