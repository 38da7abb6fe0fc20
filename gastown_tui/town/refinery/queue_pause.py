"""A rig's merge queue paused because a gate cannot start (DESIGN §6).

A gate that cannot start (exit 126 or 127, its program missing, or a timeout on the target too)
is no verdict on anyone's code, so the Refinery neither lands the MR untested nor sends it back:
it puts the MR back in the queue and pauses the queue. The pause *is* one open HIGH escalation
marked `metadata.paused_queue = <rig>`, naming the rig, the gate's command and its output: it
lives in the store, so it survives a Refinery restart (and a fresh clone of the town), and
there is one way to lift it, whichever door the operator uses — `gt mq resume <rig>` resolves
that escalation, and resolving it from the control room or `gt escalate resolve` lifts it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gastown_tui.core import record as rec
from gastown_tui.core.rig_settings import Gate
from gastown_tui.runtime.gate_runner import GateResult
from gastown_tui.store import json_codec
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.comms.escalation_triage import resolve_escalation
from gastown_tui.town.comms.escalations import create_escalation
from gastown_tui.town.town import Town, TownError

PAUSE_KEY = "paused_queue"
DETAILS_LIMIT = 4000
_OPEN_PAUSES = (
    "SELECT record FROM beads WHERE issue_type = 'escalation' AND status != 'closed' AND "
    f"json_extract(record, '$.metadata.{PAUSE_KEY}') = ? ORDER BY created_key, id"
)


class GateCannotStart(Exception):
    """Raised by the Refinery's gate step: `result` of `gate` gives no verdict on the code."""

    def __init__(self, gate: Gate, result: GateResult, target_result: GateResult | None) -> None:
        super().__init__(f"gate {gate.name} cannot start")
        self.gate = gate
        self.result = result
        self.target_result = target_result


@dataclass(frozen=True)
class QueuePause:
    """Why and since when a rig's queue waits (for the control room and `gt mq list`)."""

    rig: str
    escalation: str
    gate: str
    command: str
    since: str

    def describe(self) -> str:
        return f"gate {self.gate} cannot start ({self.command}): {self.escalation}"


def _pauses(connection: Any, rig: str) -> list[rec.Record]:
    rows = connection.execute(_OPEN_PAUSES, (rig,)).fetchall()
    return [json_codec.loads(row[0]) for row in rows]


def queue_pause(town: Town, rig: str) -> QueuePause | None:
    """The pause of `rig`'s merge queue, or None when it runs."""
    town.store.projection.catch_up()
    return read_queue_pause(town.store.connection, rig)


def read_queue_pause(connection: Any, rig: str) -> QueuePause | None:
    """`queue_pause` on the projection as it is (the read model's snapshot does not catch up)."""
    found = _pauses(connection, rig)
    if not found:
        return None
    first = found[0]
    metadata = rec.metadata_of(first)
    return QueuePause(
        rig,
        str(first["id"]),
        str(metadata.get("gate", "")),
        str(metadata.get("command", "")),
        str(first.get("created_at", "")),
    )


def why_not_started(gate: Gate, result: GateResult, target: str) -> str:
    if result.spawn_failed:
        return "its shell could not start"
    if result.timed_out:
        return f"it ran out of time ({gate.timeout}s) on the change and on {target} alike"
    if result.exit_code == 127:
        return "exit 127: its program was not found"
    return f"exit {result.exit_code}: its program is not executable"


def pause_queue(town: Town, rig_name: str, target: str, stop: GateCannotStart, mr_id: str,
                actor: str) -> str:  # fmt: skip
    """Pause `rig_name`'s queue with one HIGH escalation (or the one already open); its id."""
    gate, result = stop.gate, stop.result
    why = why_not_started(gate, result, target)
    output = result.output.strip() or "(no output)"
    with write_transaction(town.store, actor) as tx:
        already = _pauses(tx.connection, rig_name)
        if already:
            return str(already[0]["id"])
        return create_escalation(
            tx, town, "HIGH",
            f"merge queue of rig {rig_name} paused: gate {gate.name} cannot start ({why})",
            None,
            f"ran `{gate.command}` for {mr_id} and on {target}; nothing landed, nothing was "
            f"sent back. Fix the gate or the environment, then `gt mq resume {rig_name}`",
            agent=actor, decision_needed=True,
            details=f"$ {gate.command}\n{output[-DETAILS_LIMIT:]}",
            extra_metadata={PAUSE_KEY: rig_name, "rig": rig_name, "gate": gate.name,
                            "command": gate.command, "exit_code": result.exit_code,
                            "timed_out": result.timed_out, "mr": mr_id},
        )  # fmt: skip


def resume_queue(town: Town, rig: str, actor: str) -> list[str]:
    """`gt mq resume <rig>`: resolve the pause's escalation; returns the escalations resolved."""
    town.rig(rig)
    town.store.projection.catch_up()
    found = _pauses(town.store.connection, rig)
    if not found:
        raise TownError(f"the merge queue of rig {rig} is not paused")
    for record in found:
        resolve_escalation(town, str(record["id"]), actor, f"merge queue resumed by {actor}")
    return [str(record["id"]) for record in found]
