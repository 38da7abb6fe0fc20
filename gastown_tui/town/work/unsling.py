"""`gt unsling`: take a bead off its agent's hook, back to `open`."""

from __future__ import annotations

from typing import TypedDict

from gastown_tui.core import record as rec
from gastown_tui.core.addresses import AddressError, parse_address
from gastown_tui.core.hook_queue import on_hook
from gastown_tui.store.write_transaction import WriteTransaction, write_transaction
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.molecule_close import close_molecule
from gastown_tui.town.work.work_sessions import start_next, stop_polecat


def release(tx: WriteTransaction, record: rec.Record, holder: str, reason: str) -> None:
    """Inside `tx`: the bead off `holder`'s hook, back to `open`, and what is left of its
    molecule closed, so no step stays claimed by nobody."""
    close_molecule(tx, record, steps_reason=reason, root_reason=reason)
    ts = tx.stamp()
    tx.emit("unhook", record["id"], {
        "set": {"status": "open", "updated_at": ts}, "unset": ["assignee"],
        "metadata": {"session": None, "worktree": None}, "agent": holder, "reason": reason,
    }, ts)  # fmt: skip


class Unslung(TypedDict):
    """What `unsling` did: the bead taken off `agent`'s hook, the sessions it stopped, and the
    bead that agent started next (if any)."""

    bead: str
    agent: str
    stopped: list[str]
    next: str | None


def unsling(town: Town, bead_id: str, actor: str) -> Unslung:
    record = town.store.get(bead_id)
    if record is None:
        raise TownError(f"no bead {bead_id!r}")
    holder = record.get("assignee")
    if not on_hook(record) or not isinstance(holder, str):
        raise TownError(f"{bead_id} is not on a hook (status {rec.status_of(record)})")
    try:
        address = parse_address(holder)
    except AddressError as error:
        raise TownError(f"{bead_id} is hooked by {holder!r}, which is not an address") from error
    stopped: list[str] = []
    running = rec.metadata_of(record).get("session")
    if running and address.role == "polecat" and address.rig and address.name:
        # The worktree stays (its uncommitted edits are someone's work): the next start moves
        # a dirty one aside, the Dogs remove a clean one.
        stopped = stop_polecat(town, town.rig(address.rig), address.name, "unslung", actor,
                               keep_worktree=True)  # fmt: skip
    with write_transaction(town.store, actor) as tx:
        release(tx, record, holder, "unslung")
    started = None
    if running and address.role == "polecat" and address.rig and address.name:
        started = start_next(town, town.rig(address.rig), address.name, actor)
    return Unslung(
        bead=bead_id, agent=holder, stopped=stopped, next=started.bead if started else None
    )
