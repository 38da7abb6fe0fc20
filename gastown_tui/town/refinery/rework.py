"""Sending a merge request back (DESIGN §4, §6): the MR closes as `conflict` or `failed`, and
its bead goes back on its worker's hook as attempt n+1 with `mol-polecat-rework` poured, a
REWORK_REQUEST in the worker's mail and MERGE_FAILED to the witness.

Rework is bounded like respawns: the bead counts its reworks (`metadata.reworks`), and the one
past the profile's `max_reworks` (town.toml, default 3) is refused: the bead becomes `blocked`,
labelled `gt:needs-human`, with a HIGH escalation that carries the last failing output, and is
never slung again until someone decides (reassigning the escalation starts the count afresh).
"""

from __future__ import annotations

from dataclasses import dataclass

from gastown_tui.core import events as ev
from gastown_tui.core import merge_queue as mq
from gastown_tui.core import record as rec
from gastown_tui.core.addresses import AddressError, parse_address
from gastown_tui.core.escalation_rules import NEEDS_HUMAN
from gastown_tui.core.formula_cook import cook
from gastown_tui.core.formula_model import FormulaError
from gastown_tui.core.hook_queue import attempt_of
from gastown_tui.store.formula_library import library_for
from gastown_tui.store.molecule_pour import pour_molecule
from gastown_tui.store.write_transaction import WriteTransaction, write_transaction
from gastown_tui.town.agents import agent_id
from gastown_tui.town.comms.escalations import create_escalation
from gastown_tui.town.comms.mail import send_mail
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.work_sessions import start_next

REWORK_FORMULA = "mol-polecat-rework"
DETAILS_LIMIT = 4000  # the tail of a failing output an escalation carries
INSTRUCTIONS = {
    "conflict": "Rebase your branch onto {target}, resolve the conflicts in the files listed, "
                "run the gates, then `gt done`.",
    "gate": "The gate `{gate}` failed on your change (its output is below). Fix it, run the "
            "gate yourself, then `gt done`.",
    "other": "Read the error below, fix what it names, then `gt done`.",
}  # fmt: skip


@dataclass(frozen=True)
class SentBack:
    """What `send_back` did: the bead's next attempt (its molecule, the session started), or —
    past the rework limit — the escalation that blocked it instead."""

    bead: str
    worker: str
    attempt: int
    molecule: str
    started: str | None
    escalation: str | None = None


def send_back(town: Town, mr_id: str, reason: str, *, gate: str = "", details: str,
              files: list[str] | None = None, actor: str) -> SentBack | None:  # fmt: skip
    """Close `mr_id` as failed and re-hook its bead on its worker for another attempt.

    None when the MR is no longer `testing` (rejected or superseded while the Refinery worked
    on it): checked inside the write, so a newer attempt's bead is never re-hooked."""
    mr = town.store.get(mr_id)
    if mr is None:
        raise TownError(f"no merge request {mr_id!r}")
    metadata = rec.metadata_of(mr)
    bead_id = str(metadata.get("source_issue"))
    worker = str(metadata.get("worker"))
    target = str(metadata.get("target") or "main")
    library = library_for(town.paths.beads, town.paths.root)
    values = {"issue": bead_id, "mr": mr_id, "reason": reason, "gate": gate, "target": target}
    try:
        proto = cook(library.load(REWORK_FORMULA), values, resolve=library.load)
    except FormulaError as error:
        raise TownError(f"cannot pour {REWORK_FORMULA}: {error}") from error
    failure_type = (
        "conflict" if reason == "conflict" else ("tests" if reason == "gate" else "other")
    )
    state = mq.CONFLICT if reason == "conflict" else mq.FAILED
    rig_name = str(metadata.get("rig"))
    rig = town.rig(rig_name)
    with write_transaction(town.store, actor) as tx:
        current = tx.get(mr_id)
        if current is None or mq.state_of(current) != mq.TESTING:
            return None
        bead = tx.get(bead_id)
        if bead is None:
            raise TownError(f"merge request {mr_id} names no bead ({bead_id!r})")
        attempt = attempt_of(bead) + 1
        reworks = int(rec.metadata_of(bead).get("reworks") or 0) + 1
        ts = tx.stamp()
        tx.emit(ev.CLOSE, mr_id, {"set": {"status": "closed", "closed_at": ts,
                                          "close_reason": state},
                                  "metadata": {"state": state, "failure_type": failure_type,
                                               "failed_at": ts}}, ts)  # fmt: skip
        facts = {"mr": mr_id, "bead": bead_id, "agent": worker, "attempt": attempt,
                 "failure_type": failure_type, "files": files or [], "gate": gate}  # fmt: skip
        send_mail(tx, f"{rig_name}/witness", "MERGE_FAILED",
                  {"mr": mr_id, "issue": bead_id, "failure_type": failure_type,
                   "error": details.strip().splitlines()[-1][:300] if details.strip() else reason},
                  subject=f"MERGE_FAILED {bead_id}")  # fmt: skip
        limit = town.thresholds.max_reworks
        if reworks > limit:
            tx.emit("merge_failed", mr_id, {**facts, "rework_refused": True})
            what = f"gate {gate}" if reason == "gate" else reason
            escalation = block_for_rework(tx, town, bead, worker, mr_id, limit, what, details)
            return SentBack(bead_id, worker, attempt - 1, "", None, escalation)
        poured = pour_molecule(tx, proto, wisp=False, assignee=worker,
                               extra_metadata={"issue": bead_id, "rig": rig_name},
                               prefix=rig.prefix)  # fmt: skip
        ts = tx.stamp()
        tx.emit("rework", bead_id, {
            "set": {"status": "hooked", "assignee": worker, "updated_at": ts},
            "metadata": {"attempt": attempt, "molecule": poured.root, "formula": REWORK_FORMULA,
                         "previous_branch": metadata.get("branch"), "branch": None,
                         "session": None, "worktree": None, "mr": None, "last_mr": mr_id,
                         "rework_reason": reason, "slung_at": ts, "reworks": reworks},
            **facts,
        }, ts)  # fmt: skip
        tx.emit("merge_failed", mr_id, facts)
        instructions = INSTRUCTIONS[reason].format(target=target, gate=gate or "?")
        fields = {"mr": mr_id, "issue": bead_id, "reason": reason, "instructions": instructions}
        if reason == "conflict":
            fields["conflict_files"] = ", ".join(files or []) or "(unknown)"
        else:
            fields["gate"] = gate or "other"
        send_mail(tx, worker, "REWORK_REQUEST", fields, subject=f"REWORK_REQUEST {bead_id}",
                  body=details)  # fmt: skip
    started = None
    try:
        address = parse_address(worker)
    except AddressError:
        address = None
    known = address is not None and address.name is not None and town.store.get(
        agent_id(rig.prefix, address.name)) is not None  # fmt: skip
    if address is not None and address.role == "polecat" and address.name and known:
        session = start_next(town, rig, address.name, actor)
        started = session.session if session else None
    return SentBack(bead_id, worker, attempt, poured.root, started)


def block_for_rework(tx: WriteTransaction, town: Town, bead: rec.Record, worker: str,
                     mr_id: str, limit: int, what: str, details: str) -> str:  # fmt: skip
    """Past the rework limit: the bead `blocked` for a human, with a HIGH escalation."""
    bead_id = str(bead["id"])
    reason = f"rework limit: {limit} reworks did not get it through {what}"
    ts = tx.stamp()
    tx.emit(ev.UPDATE, bead_id, {
        "set": {"status": "blocked", "assignee": worker, "updated_at": ts},
        "metadata": {"mr": None, "last_mr": mr_id, "session": None, "blocked_reason": reason},
    }, ts)  # fmt: skip
    if NEEDS_HUMAN not in rec.labels_of(bead):
        tx.emit(ev.LABEL_ADD, bead_id, {"label": NEEDS_HUMAN})
    problem = (f"{bead_id} failed {what} again after {limit} reworks by {worker}; it is "
               "blocked until someone decides what to do")  # fmt: skip
    return create_escalation(
        tx, town, "HIGH", problem, bead_id, f"{limit} reworks ({mr_id} was the last)",
        agent=worker, decision_needed=True, details=details.strip()[-DETAILS_LIMIT:],
    )  # fmt: skip
