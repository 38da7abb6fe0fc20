"""`gt polecat spawn|list|nuke|cycle` and `gt crew add`: worker identities and their sessions."""

from __future__ import annotations

from typing import Any, TypedDict

from gastown_tui.core import record as rec
from gastown_tui.core.addresses import AddressError, crew_address, parse_address
from gastown_tui.core.agent_state import AgentFacts, agent_state
from gastown_tui.core.ids import InvalidNameError, check_name
from gastown_tui.core.name_pool import pick_name
from gastown_tui.core.rig_settings import RigSettings, check_runtime
from gastown_tui.core.timestamps import parse_ts
from gastown_tui.runtime.git_repo import GitError, add_worktree
from gastown_tui.runtime.tmux_server import PaneState
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.agents import agent_id, agents, create_agent
from gastown_tui.town.comms.escalations import open_questions
from gastown_tui.town.hooks import hook_queue, running_bead
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.unsling import release
from gastown_tui.town.work.work_sessions import (
    ensure_repository,
    rig_lock,
    start_next_locked,
    stop_polecat,
)


def spawn(town: Town, rig_name: str, name: str | None, runtime: str | None,
          actor: str) -> dict[str, Any]:  # fmt: skip
    rig = town.rig(rig_name)
    try:
        chosen = check_runtime(runtime or rig.runtime)
        if name is not None:
            check_name("polecat", name)
    except (InvalidNameError, ValueError) as error:
        raise TownError(str(error)) from error
    with rig_lock(town, rig.name):
        town.store.projection.catch_up()
        taken = {str(rec.metadata_of(r).get("name")) for r in agents(town, rig=rig.name)}
        if name is not None and name in taken:
            raise TownError(f"{rig.name} already has an agent named {name!r}")
        chosen_name = name or pick_name(taken, town.rng, rig.name_theme)
        with write_transaction(town.store, actor) as tx:
            return create_agent(tx, rig, chosen_name, "polecat", chosen)


def parse_worker(town: Town, text: str) -> tuple[RigSettings, str]:
    """`<rig>/<name>` or `<rig>/polecats/<name>` → (rig, name) of an existing polecat."""
    parts = text.strip("/").split("/")
    if len(parts) == 2:
        parts = [parts[0], "polecats", parts[1]]
    try:
        address = parse_address("/".join(parts))
    except AddressError as error:
        raise TownError(str(error)) from error
    if address.role != "polecat" or address.rig is None or address.name is None:
        raise TownError(f"{text!r} is not a polecat (use <rig>/<name>)")
    rig = town.rig(address.rig)
    identity = town.store.get(agent_id(rig.prefix, address.name))
    if identity is None:
        raise TownError(f"no polecat {address.name!r} in rig {rig.name}")
    role = rec.metadata_of(identity).get("role")
    if role != "polecat":
        raise TownError(f"{rig.name}/{address.name} is {role}, not a polecat")
    return rig, address.name


def polecat_rows(town: Town, rig_name: str | None = None, panes: list[PaneState] | None = None,
                 *, tmux_readable: bool = True) -> list[dict[str, Any]]:  # fmt: skip
    """Every polecat with its derived state, hook and session; `panes` from one tmux call.
    When tmux could not be read, states are `unknown`: never a guess that looks like news."""
    if panes is None and tmux_readable:
        panes = town.tmux.panes() or []
    panes = panes or []
    by_session = {pane.session: pane for pane in panes}
    now = town.clock.now()
    stalled_after = town.thresholds.stalled
    asked = open_questions(town.store.connection)
    rows = []
    for record in agents(town, rig=rig_name, role="polecat"):
        metadata = rec.metadata_of(record)
        rig = town.rigs().get(str(metadata.get("rig")))
        if rig is None:
            continue
        name = str(metadata.get("name"))
        address = str(metadata.get("address"))
        session = polecat_session(rig.prefix, name)
        queue = hook_queue(town.store.connection, address)
        current = running_bead(queue)
        pane = by_session.get(session)
        idle = None
        if current is not None:
            started = rec.metadata_of(current).get("started_at")
            moments = [parse_ts(str(current.get("updated_at", ""))), parse_ts(str(started or ""))]
            latest = max((m.timestamp() for m in moments if m is not None), default=None)
            if pane is not None and pane.activity:
                latest = max(latest or 0, pane.activity)
            idle = now.timestamp() - latest if latest else None
        waiting = current is not None and (address, str(current["id"])) in asked
        facts = AgentFacts(len(queue), current is not None, pane is not None,
                           pane is not None and pane.dead, idle, waiting)  # fmt: skip
        rows.append({
            "name": name, "rig": rig.name, "address": address, "agent_bead": record["id"],
            "state": agent_state(facts, stalled_after) if tmux_readable else "unknown",
            "session": session if pane else None,
            "current": current["id"] if current else None, "hook": [r["id"] for r in queue],
            "runtime": metadata.get("runtime"), "idle_seconds": idle,
        })  # fmt: skip
    return rows


class Nuked(TypedDict):
    """What `nuke` did: what it stopped (`did`) and the beads it put back as open work."""

    polecat: str
    did: list[str]
    released: list[str]


class Cycled(TypedDict):
    """What `cycle` did: whether a session ended, and the bead and session started next."""

    polecat: str
    ended: bool
    started: str | None
    session: str | None


class CrewAdded(TypedDict):
    """A new crew member's address, worktree and branch."""

    crew: str
    worktree: str
    branch: str


def nuke(town: Town, text: str, actor: str) -> Nuked:
    """End the session and worktree; hooked work goes back to `open`. The identity stays."""
    rig, name = parse_worker(town, text)
    released = []
    address = f"{rig.name}/polecats/{name}"
    with rig_lock(town, rig.name):  # no sling or `gt done` starts a session meanwhile
        town.store.projection.catch_up()
        did = stop_polecat(town, rig, name, "nuked", actor, keep_worktree=False)
        queue = hook_queue(town.store.connection, address)
        if queue:
            with write_transaction(town.store, actor) as tx:
                for record in queue:
                    release(tx, record, address, "polecat nuked")
                    released.append(record["id"])
    return Nuked(polecat=address, did=did, released=released)


def cycle(town: Town, text: str, actor: str) -> Cycled:
    """End the polecat's session, then start its next hooked bead (used by `gt done`)."""
    rig, name = parse_worker(town, text)
    with rig_lock(town, rig.name):
        town.store.projection.catch_up()
        # A bead still hooked and running gets its session_end, so it starts again below
        # instead of leaving a zombie; after `gt done` its bead has left the hook already.
        ended = bool(stop_polecat(town, rig, name, "cycled", actor, keep_worktree=True))
        started = start_next_locked(town, rig, name, actor)
    return Cycled(polecat=f"{rig.name}/polecats/{name}", ended=ended,
                  started=started.bead if started else None,
                  session=started.session if started else None)  # fmt: skip


def add_crew(town: Town, name: str, rig_name: str, actor: str) -> CrewAdded:
    """A human's own worktree on `crew/<name>`, kept across `gt done`."""
    rig = town.rig(rig_name)
    try:
        check_name("crew", name)
    except InvalidNameError as error:
        raise TownError(str(error)) from error
    with rig_lock(town, rig.name):
        town.store.projection.catch_up()
        if town.store.get(agent_id(rig.prefix, name)) is not None:
            raise TownError(f"{rig.name} already has an agent named {name!r}")
        worktree = town.paths.crew(rig.name, name)
        if worktree.exists():
            raise TownError(f"{worktree} already exists")
        branch = f"crew/{name}"
        try:
            add_worktree(ensure_repository(town, rig), worktree, branch, rig.default_branch)
        except GitError as error:
            raise TownError(f"cannot make the crew worktree: {error}") from error
        with write_transaction(town.store, actor) as tx:
            create_agent(tx, rig, name, "crew", "human")
    return CrewAdded(crew=crew_address(rig.name, name), worktree=str(worktree), branch=branch)
