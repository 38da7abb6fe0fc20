"""A gate that fails on the target itself (DESIGN §6): the target's failure, not the MR's.

One bug bead per (gate, first failing line), so the same breakage seen by every MR that
follows is filed once; the MRs still land.
"""

from __future__ import annotations

from gastown_tui.core import events as ev
from gastown_tui.core.merge_queue import first_failing_line
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.town import Town


def file_target_failure(town: Town, rig_name: str, target: str, gate: str, output: str,
                        actor: str) -> str:  # fmt: skip
    """The open bug bead for this failure, filed now if there is none."""
    key = f"{gate}|{first_failing_line(output)}"
    rig = town.rig(rig_name)
    with write_transaction(town.store, actor) as tx:
        row = tx.connection.execute(
            "SELECT id FROM beads WHERE issue_type = 'bug' AND status != 'closed' AND "
            "json_extract(record, '$.metadata.target_failure') = ?",
            (key,),
        ).fetchone()
        if row is not None:
            return str(row[0])
        bead_id = tx.new_id(f"target-failure|{key}", prefix=rig.prefix)
        ts = tx.stamp()
        tx.emit(ev.CREATE, bead_id, {"record": {
            "id": bead_id, "title": f"{target} fails gate {gate}: {first_failing_line(output)}",
            "description": f"The gate `{gate}` fails on {target} itself, so merge requests land "
                           f"regardless. Its output:\n\n{output[-4000:]}",
            "status": "open", "priority": 1, "issue_type": "bug", "created_at": ts,
            "created_by": actor, "updated_at": ts, "labels": ["gt:target-failure"],
            "metadata": {"rig": rig_name, "target_failure": key, "gate": gate},
        }}, ts)  # fmt: skip
        return bead_id
