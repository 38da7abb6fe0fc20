"""Agent identities (DESIGN §4): one `issue_type=agent` bead per polecat or crew member.

The identity persists across sessions (its history is what CVs and seance read); sessions come
and go. Id `<rig prefix>-agent-<name>`; metadata role, rig, name, address, runtime, model.
"""

from __future__ import annotations

from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.addresses import crew_address, polecat_address
from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.store.bead_queries import ListFilter, list_beads
from gastown_tui.store.write_transaction import WriteTransaction
from gastown_tui.town.town import Town


def agent_id(prefix: str, name: str) -> str:
    return f"{prefix}-agent-{name}"


def address_of(role: str, rig: str, name: str) -> str:
    return polecat_address(rig, name) if role == "polecat" else crew_address(rig, name)


def agents(town: Town, *, rig: str | None = None, role: str | None = None) -> list[rec.Record]:
    found = list_beads(town.store.connection, ListFilter(types=["agent"], include_closed=True))
    return [
        record for record in found
        if (rig is None or rec.metadata_of(record).get("rig") == rig)
        and (role is None or rec.metadata_of(record).get("role") == role)
    ]  # fmt: skip


def create_agent(
    tx: WriteTransaction, rig: RigSettings, name: str, role: str, runtime: str
) -> dict[str, Any]:
    """Emit the identity bead of a new agent inside `tx`; returns its record."""
    bead_id = agent_id(rig.prefix, name)
    ts = tx.stamp()
    address = address_of(role, rig.name, name)
    record = {
        "id": bead_id, "title": f"{role} {address}", "status": "open", "priority": 2,
        "issue_type": "agent", "created_at": ts, "created_by": tx.actor, "updated_at": ts,
        "metadata": {"role": role, "rig": rig.name, "name": name, "address": address,
                     "runtime": runtime, "model": rig.model},
    }  # fmt: skip
    tx.emit(ev.CREATE, bead_id, {"record": record}, ts)
    return record


def last_event_by_actor(town: Town) -> dict[str, str]:
    """The time of each actor's newest event in the feed window (one scan, for every agent)."""
    rows = town.store.connection.execute("SELECT actor, max(ts) FROM events GROUP BY actor")
    return {str(actor): str(ts) for actor, ts in rows if actor}
