"""`town_snapshot()`: the whole town, typed and immutable, for the control room and `gt status`.

Built from the projection (caught up first, without ever waiting behind another process's
rebuild) and one batched tmux call. It never raises for a source it cannot read: the log
missing or unreadable, the projection being rebuilt elsewhere, tmux missing or its server down
each become a `SourceHealth` that is not ok, and the rest of the snapshot is what could be read
(the projection as it last was; polecat states `unknown` without tmux).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from gastown_tui.core import merge_queue as mq
from gastown_tui.core import record as rec
from gastown_tui.core.agent_state import RESTING, SPAWNING, STALLED, WAITING, WORKING, ZOMBIE
from gastown_tui.core.hook_queue import HOOK_STATUSES, attempt_of, hook_order
from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.core.timestamps import parse_ts
from gastown_tui.runtime.tmux_server import PaneState, TmuxError
from gastown_tui.store.bead_queries import ListFilter, list_beads
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.town.agents import last_event_by_actor
from gastown_tui.town.comms.escalations import list_escalations
from gastown_tui.town.read_model.board_views import convoy_views, escalation_view, mr_views
from gastown_tui.town.read_model.record_views import Records, records
from gastown_tui.town.read_model.views import (
    UNKNOWN,
    Counts,
    EscalationView,
    HookItem,
    MergeRequestView,
    PolecatView,
    RigView,
    SourceHealth,
    TownSnapshot,
)
from gastown_tui.town.refinery.queue_pause import read_queue_pause
from gastown_tui.town.session_names import DAEMON_SESSION, refinery_session
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.agent_runtimes import require_runnable
from gastown_tui.town.work.polecats import polecat_rows

LOG, PROJECTION, TMUX = "log", "projection", "tmux"


def town_snapshot(town: Town) -> TownSnapshot:
    """The town now. Never raises for an unreadable source: see the module docstring."""
    now = town.clock.now()
    store, store_sources = _caught_up_store(town)
    panes, tmux_source = _read_tmux(town)
    sources = (*store_sources, tmux_source)
    if store is None:
        return _empty(town, now, sources)
    try:
        return _build(town, store, now, panes, sources)
    except sqlite3.Error as error:  # the projection vanished or broke under us
        broken = SourceHealth(PROJECTION, False, f"unreadable: {error}")
        return _empty(town, now, (*store_sources[:1], broken, tmux_source))


def _caught_up_store(town: Town) -> tuple[BeadsStore | None, tuple[SourceHealth, SourceHealth]]:
    try:
        store = town.open_store(catch_up=False)
    except (sqlite3.Error, OSError) as error:
        return None, (
            SourceHealth(LOG, True, "not read"),
            SourceHealth(PROJECTION, False, f"cannot open: {error}"),
        )
    log_path = store.paths.events
    try:
        with log_path.open("rb"):
            pass
    except FileNotFoundError:
        return store, (
            SourceHealth(LOG, False, f"missing: {log_path}"),
            SourceHealth(PROJECTION, True, "as last read"),
        )
    except OSError as error:
        return store, (
            SourceHealth(LOG, False, f"unreadable: {error.strerror or error}"),
            SourceHealth(PROJECTION, True, "as last read"),
        )
    try:
        current = store.projection.catch_up(wait=False)
    except OSError as error:
        return store, (
            SourceHealth(LOG, False, f"unreadable: {error.strerror or error}"),
            SourceHealth(PROJECTION, True, "as last read"),
        )
    except sqlite3.Error as error:
        return store, (
            SourceHealth(LOG, True, "fresh"),
            SourceHealth(PROJECTION, False, f"cannot catch up: {error}"),
        )
    if not current:
        return store, (
            SourceHealth(LOG, True, "fresh"),
            SourceHealth(
                PROJECTION, False, "rebuilding in another process; showing the state before"
            ),
        )
    return store, (SourceHealth(LOG, True, "fresh"), SourceHealth(PROJECTION, True, "current"))


def _read_tmux(town: Town) -> tuple[list[PaneState] | None, SourceHealth]:
    try:
        panes = town.tmux.panes()
    except TmuxError as error:
        return None, SourceHealth(TMUX, False, f"unavailable: {error}")
    if panes is None:
        return None, SourceHealth(TMUX, False, "server down: no agent session is running")
    return panes, SourceHealth(TMUX, True, f"{len(panes)} panes")


def _build(
    town: Town,
    store: BeadsStore,
    now: datetime,
    panes: list[PaneState] | None,
    sources: tuple[SourceHealth, ...],
) -> TownSnapshot:
    connection = store.connection
    live = {pane.session for pane in panes or [] if not pane.dead}
    tmux_read = panes is not None
    hooked = _hooks_by_assignee(connection)
    last_events = last_event_by_actor(town)
    rows = polecat_rows(town, None, panes or [], tmux_readable=tmux_read)
    merge_requests = mr_views(connection)
    rigs = []
    for rig in town.rigs().values():
        polecats = tuple(
            _polecat(row, hooked.get(str(row["address"]), []), last_events, now)
            for row in rows
            if row["rig"] == rig.name
        )
        waiting = [mr for mr in merge_requests if mr.rig == rig.name and mr.state in mq.WAITING]
        rigs.append(
            RigView(
                rig.name,
                rig.prefix,
                rig.default_branch,
                polecats,
                refinery_session(rig.prefix) in live if tmux_read else None,
                _queue_paused(connection, rig.name),
                len(waiting),
                _runtime_problem(town, rig),
            )
        )
    escalations = tuple(escalation_view(record) for record in list_escalations(town))
    convoys = convoy_views(connection)
    try:  # CVs, costs and ETAs read the log's history; an unreadable log leaves them out
        extra = records(town, connection, convoys)
    except OSError:
        extra = Records(convoys, (), 0.0)
    return TownSnapshot(
        town=town.settings.name,
        root=str(town.paths.root),
        taken_at=now,
        log_offset=store.projection.position().offset,
        sources=sources,
        daemon_running=DAEMON_SESSION in live if tmux_read else None,
        rigs=tuple(rigs),
        escalations=escalations,
        merge_requests=merge_requests,
        convoys=extra.convoys,
        counts=_counts(rigs, escalations, merge_requests, convoys),
        cvs=extra.cvs,
        cost_usd=extra.cost_usd,
    )


def _runtime_problem(town: Town, rig: RigSettings) -> str | None:
    """Why the rig's agents cannot start (their program is not installed, no API key), or None."""
    try:
        require_runnable(rig, rig.runtime, town.environ.get("PATH", ""), town.environ)
    except TownError as error:
        return str(error)
    return None


def _hooks_by_assignee(connection: sqlite3.Connection) -> dict[str, list[rec.Record]]:
    """Every hook queue in one query (the hooked beads, grouped by who holds them)."""
    found: dict[str, list[rec.Record]] = {}
    for record in list_beads(connection, ListFilter(statuses=HOOK_STATUSES)):
        assignee = record.get("assignee")
        if isinstance(assignee, str):
            found.setdefault(assignee, []).append(record)
    return {address: hook_order(queue) for address, queue in found.items()}


def _polecat(
    row: dict[str, object], queue: list[rec.Record], last_events: dict[str, str], now: datetime
) -> PolecatView:
    address = str(row["address"])
    hook = tuple(
        HookItem(
            str(r["id"]),
            str(r.get("title", "")),
            rec.priority_of(r),
            attempt_of(r),
            bool(rec.metadata_of(r).get("session")),
        )
        for r in queue
    )
    moments = []
    idle = row.get("idle_seconds")
    if isinstance(idle, int | float):
        moments.append(now - timedelta(seconds=idle))
    event_moment = parse_ts(last_events.get(address, ""))
    if event_moment is not None:
        moments.append(event_moment)
    state = str(row["state"])
    if state == UNKNOWN and not hook:
        state = RESTING  # nothing hooked: no session is expected, whatever tmux says
    respawns = rec.metadata_of(queue[0]).get("respawns") if queue else 0
    return PolecatView(
        rig=str(row["rig"]),
        name=str(row["name"]),
        address=address,
        agent_bead=str(row["agent_bead"]),
        state=state,
        session=row["session"] if isinstance(row["session"], str) else None,
        hook=hook,
        last_progress=max(moments) if moments else None,
        runtime=str(row.get("runtime") or ""),
        respawns=respawns if isinstance(respawns, int) else 0,
    )


def _counts(
    rigs: list[RigView],
    escalations: tuple[EscalationView, ...],
    merge_requests: tuple[MergeRequestView, ...],
    convoys: tuple[object, ...],
) -> Counts:
    states = [polecat.state for rig in rigs for polecat in rig.polecats]
    in_flight = [c for c in convoys if not getattr(c, "landed", False)]
    return Counts(
        working=states.count(WORKING),
        waiting=states.count(WAITING),
        stalled=states.count(STALLED),
        zombie=states.count(ZOMBIE),
        spawning=states.count(SPAWNING),
        resting=states.count(RESTING),
        unknown=states.count(UNKNOWN),
        open_help=len(escalations),
        unacked_help=sum(1 for e in escalations if not e.acknowledged),
        mq_length=sum(rig.mq_length for rig in rigs),
        failed_merges=sum(1 for mr in merge_requests if mr.state in (mq.FAILED, mq.CONFLICT)),
        convoys_in_flight=len(in_flight),
        convoys_total=len(convoys),
    )


def _empty(town: Town, now: datetime, sources: tuple[SourceHealth, ...]) -> TownSnapshot:
    """Nothing could be read: every panel shows why, none shows "all clear"."""
    return TownSnapshot(
        town.settings.name,
        str(town.paths.root),
        now,
        0,
        sources,
        None,
        (),
        (),
        (),
        (),
        Counts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    )


def _queue_paused(connection: sqlite3.Connection, rig: str) -> str | None:
    pause = read_queue_pause(connection, rig)
    return pause.describe() if pause is not None else None
