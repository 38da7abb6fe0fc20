"""`gt sling`: put a bead on a polecat's hook and start it (DESIGN §6).

Refuses a bead already hooked by a live agent (the double-dispatch guard) unless forced, which
stops the old session first; the guard is checked again inside the write transaction, so of
several processes slinging one bead at once exactly one hooks it. Picks a resting polecat (the
one resting longest), else spawns one, else queues on the least busy. Pours the formula, hooks
the bead, and starts the session — or leaves the bead waiting on the hook when the polecat is
busy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from gastown_tui.core import record as rec
from gastown_tui.core.addresses import AddressError, parse_address, polecat_address
from gastown_tui.core.formula_cook import cook
from gastown_tui.core.formula_model import FormulaError
from gastown_tui.core.ids import InvalidNameError, check_name
from gastown_tui.core.name_pool import pick_name
from gastown_tui.core.rig_settings import RigSettings, check_runtime
from gastown_tui.core.town_settings import SettingsError
from gastown_tui.store.formula_library import library_for
from gastown_tui.store.molecule_pour import pour_molecule
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.agents import agent_id, agents, create_agent, last_event_by_actor
from gastown_tui.town.hooks import hook_queue
from gastown_tui.town.session_names import polecat_session
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.agent_runtimes import require_runnable
from gastown_tui.town.work.routing import route_idle
from gastown_tui.town.work.work_sessions import (
    rig_lock,
    session_alive,
    start_next_locked,
    stop_polecat,
)

NOT_SLINGABLE = frozenset({"message", "agent", "molecule", "merge-request", "gate", "convoy",
                           "escalation", "rig", "role"})  # fmt: skip


@dataclass(frozen=True)
class SlingResult:
    bead: str
    agent: str
    rig: str
    polecat: str
    molecule: str
    formula: str
    runtime: str
    attempt: int
    spawned: bool
    queued: bool
    session: str | None
    position: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def parse_target(text: str) -> tuple[str, str | None]:
    """`<rig>`, `<rig>/<name>` or `<rig>/polecats/<name>` → (rig, name or None)."""
    parts = text.strip("/").split("/")
    try:
        if len(parts) == 1:
            return check_name("rig", parts[0]), None
        if len(parts) == 2:
            return check_name("rig", parts[0]), check_name("polecat", parts[1])
        if len(parts) == 3 and parts[1] == "polecats":
            return check_name("rig", parts[0]), check_name("polecat", parts[2])
    except InvalidNameError as error:
        raise TownError(str(error)) from error
    raise TownError(f"target {text!r}: use <rig> or <rig>/<polecat>")


def _guard(town: Town, record: rec.Record, force: bool, actor: str) -> None:
    """The double-dispatch guard: a bead hooked by a live agent is refused unless forced."""
    status = rec.status_of(record)
    if status in (rec.CLOSED, rec.TOMBSTONE):
        raise TownError(f"{record['id']} is {status}: there is nothing to sling")
    if rec.type_of(record) in NOT_SLINGABLE:
        raise TownError(f"{record['id']} is a {rec.type_of(record)}, not work to sling")
    holder = record.get("assignee")
    if status not in ("hooked", "in_progress") or not isinstance(holder, str):
        return
    try:
        address = parse_address(holder)
    except AddressError:
        return
    if address.role == "refinery":
        mr = rec.metadata_of(record).get("mr")
        raise TownError(f"{record['id']} is waiting in the merge queue ({mr}); "
                        "it comes back on a hook if the merge fails")  # fmt: skip
    if address.role != "polecat" or address.rig is None or address.name is None:
        return
    rig = town.rig(address.rig)
    session = polecat_session(rig.prefix, address.name)
    # A sling holds the holder's rig lock from its hook until its session is up: looking under
    # it, a bead hooked a moment ago by another process is seen with its session live.
    with rig_lock(town, rig.name):
        town.store.projection.catch_up()
        fresh = town.store.get(record["id"])
        if fresh is not None:
            _unchanged_since_guard(record, fresh)
        live = session_alive(town, session)
        if live and not force:
            raise TownError(f"{record['id']} is already on the hook of {holder}, whose "
                            f"session {session} is live; use --force to stop it and sling "
                            "again")  # fmt: skip
        if force:
            stop_polecat(town, rig, address.name, "re-slung with --force", actor,
                         keep_worktree=False)  # fmt: skip


def _hold(record: rec.Record) -> tuple[str, object, object]:
    return (rec.status_of(record), record.get("assignee"),
            rec.metadata_of(record).get("slung_at"))  # fmt: skip


def _unchanged_since_guard(seen: rec.Record, current: rec.Record) -> None:
    """The guard, again inside the write transaction (the writers' lock): another process (a
    second `gt sling`, auto-dispatch) may have hooked the bead since the guard read it. Only the
    first commits; the others are refused and roll back everything they poured."""
    if _hold(current) != _hold(seen):
        status, holder, _ = _hold(current)
        raise TownError(f"{current['id']} changed while slinging: it is now {status}"
                        f"{f' on the hook of {holder}' if holder else ''}; "
                        "not slinging it twice")  # fmt: skip


def _refuse_crew(town: Town, rig: RigSettings, name: str) -> None:
    record = town.store.get(agent_id(rig.prefix, name))
    if record is not None and rec.metadata_of(record).get("role") == "crew":
        raise TownError(
            f"{rig.name}/{name} is crew, not a polecat: hook work for a person "
            f"with `bd update <bead> --status hooked --assignee "
            f"{rig.name}/crew/{name}`"
        )


def _choose_polecat(
    town: Town, rig: RigSettings, wanted: str | None, bead_id: str
) -> tuple[str, bool]:
    """(name, is new): the named one; a resting one (longest first); a new one; the least busy."""
    everyone = {str(rec.metadata_of(r).get("name")): r for r in agents(town, rig=rig.name)}
    existing = {n: r for n, r in everyone.items() if rec.metadata_of(r).get("role") == "polecat"}
    if wanted is not None:
        _refuse_crew(town, rig, wanted)
        return wanted, wanted not in existing
    resting: list[tuple[str, str]] = []
    load: list[tuple[int, str]] = []
    last_seen = last_event_by_actor(town)  # resting since its last act: the oldest goes first
    for name, record in existing.items():
        if rec.metadata_of(record).get("role") != "polecat":
            continue
        queue = [r for r in hook_queue(town.store.connection, polecat_address(rig.name, name))
                 if r["id"] != bead_id]  # fmt: skip
        busy = bool(queue) or session_alive(town, polecat_session(rig.prefix, name))
        if busy:
            load.append((len(queue), name))
        else:
            address = polecat_address(rig.name, name)
            resting.append((last_seen.get(address) or str(record.get("updated_at", "")), name))
    if resting:  # the best fit by CV among them (routing), resting longest on a tie
        return route_idle(town, rig, bead_id, [name for _, name in sorted(resting)]), False
    if len(existing) < rig.max_polecats:
        return pick_name(set(everyone), town.rng, rig.name_theme), True
    return min(load)[1], False


def sling(
    town: Town,
    bead_id: str,
    target: str,
    *,
    formula: str,
    variables: dict[str, str],
    runtime: str | None,
    force: bool,
    actor: str,
) -> SlingResult:
    rig_name, wanted = parse_target(target)
    rig = town.rig(rig_name)
    try:
        chosen_runtime = check_runtime(runtime or rig.runtime)
    except SettingsError as error:
        raise TownError(str(error)) from error
    environment = town.session_environment("polecat", "check", rig.name)
    require_runnable(rig, chosen_runtime, environment["PATH"], town.environ)
    record = town.store.get(bead_id)
    if record is None:
        raise TownError(f"no bead {bead_id!r}")
    if wanted is not None:  # before the guard may stop anyone: a crew target is refused
        _refuse_crew(town, rig, wanted)
    _guard(town, record, force, actor)
    library = library_for(town.paths.beads, town.paths.root)
    try:
        loaded = library.load(formula)
        values = {"issue": bead_id, "target": rig.default_branch}
        values.update({k: v for k, v in variables.items() if loaded.var(k) is not None})
        proto = cook(loaded, {k: v for k, v in values.items() if loaded.var(k) is not None},
                     resolve=library.load)  # fmt: skip
    except FormulaError as error:
        raise TownError(str(error)) from error
    with rig_lock(town, rig.name):
        town.store.projection.catch_up()
        name, is_new = _choose_polecat(town, rig, wanted, bead_id)
        address = polecat_address(rig.name, name)
        with write_transaction(town.store, actor) as tx:
            current = tx.get(bead_id)
            assert current is not None
            _unchanged_since_guard(record, current)
            if is_new:
                create_agent(tx, rig, name, "polecat", chosen_runtime)
            previous = rec.metadata_of(current)
            attempt = int(previous.get("attempt") or 0)
            attempt = attempt + 1 if previous.get("branch") or attempt == 0 else attempt
            poured = pour_molecule(tx, proto, wisp=False, assignee=address,
                                   extra_metadata={"issue": bead_id, "rig": rig.name},
                                   prefix=rig.prefix)  # fmt: skip
            ts = tx.stamp()
            payload = {"agent": address, "rig": rig.name, "formula": proto.name,
                       "molecule": poured.root, "runtime": chosen_runtime, "model": rig.model,
                       "attempt": attempt, "vars": variables}  # fmt: skip
            tx.emit("sling", bead_id, {
                "set": {"status": "hooked", "assignee": address, "updated_at": ts},
                "metadata": {**payload, "agent": None, "slung_at": ts, "slung_by": actor,
                             "agent_bead": agent_id(rig.prefix, name), "session": None,
                             "branch": None, "worktree": None, "mr": None},
                **payload,
            }, ts)  # fmt: skip
        started = start_next_locked(town, rig, name, actor)
    queue = hook_queue(town.store.connection, address)
    position = next((i for i, r in enumerate(queue) if r["id"] == bead_id), 0)
    return SlingResult(
        bead=bead_id, agent=address, rig=rig.name, polecat=name, molecule=poured.root,
        formula=proto.name, runtime=chosen_runtime, attempt=attempt, spawned=is_new,
        queued=started is None or started.bead != bead_id,
        session=started.session if started else None, position=position,
    )  # fmt: skip
