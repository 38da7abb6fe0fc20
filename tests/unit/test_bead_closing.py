"""The engine's close, close-and-continue, reopen and delete: the events they log, and what
they refuse (the Batch-Closure guard among them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bead_edit_fixtures import ACTOR, bead, check_formula, logged, logged_since, new_store

from gastown_tui.store.bead_edits.bead_closing import (
    close_and_continue,
    close_beads,
    delete_beads,
    reopen_beads,
)
from gastown_tui.store.bead_edits.molecule_actions import pour_formula
from gastown_tui.store.bead_edits.refusals import (
    NotAMolecule,
    OutOfOrderClose,
    UnknownBead,
    WrongState,
)
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.molecule_pour import PouredMolecule


def _molecule(store: BeadsStore) -> PouredMolecule:
    return pour_formula(store, "overseer", check_formula(), wisp=False, assignee=ACTOR)


def test_close_beads_closes_the_open_ones_and_names_those_already_closed(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    first, second = bead(store, "one"), bead(store, "two")
    assert close_beads(store, ACTOR, [first], reason=None, force=False) == ()
    assert close_beads(store, ACTOR, [first, second], reason="done", force=False) == (first,)
    plain, with_reason = logged_since(store, 2)
    assert plain["op"] == "close"
    assert plain["data"] == {"set": {"status": "closed", "closed_at": plain["ts"]}}
    assert with_reason["bead"] == second
    assert with_reason["data"]["set"]["close_reason"] == "done"
    with pytest.raises(UnknownBead):
        close_beads(store, ACTOR, ["t-none"], reason=None, force=False)


def test_close_beads_refuses_a_step_whose_needs_are_open_unless_forced(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    steps = {step: bead_id for step, bead_id, _ in _molecule(store).steps}
    before = len(logged(store))
    with pytest.raises(OutOfOrderClose, match=r"still needs .*\(lint\).*Batch-Closure Heresy"):
        close_beads(store, ACTOR, [steps["report"]], reason=None, force=False)
    assert len(logged(store)) == before
    close_beads(store, ACTOR, [steps["report"]], reason=None, force=True)
    [forced] = logged_since(store, before)
    assert forced["data"]["metadata"] == {"out_of_order": True}


def test_close_and_continue_claims_the_next_step_then_closes_the_molecule(
    tmp_path: Path,
) -> None:
    store = new_store(tmp_path)
    poured = _molecule(store)
    steps = {step: bead_id for step, bead_id, _ in poured.steps}
    progress = close_and_continue(store, "mayor", steps["lint"], reason=None, force=False)
    assert (progress.next, progress.next_step, progress.complete) == (steps["test"], "test", False)
    close_event, claim = logged(store)[-2:]
    assert close_event["batch"] == claim["batch"]  # one atomic batch
    assert (claim["op"], claim["bead"]) == ("claim", steps["test"])
    assert claim["data"]["set"]["assignee"] == ACTOR  # the step's owner, not the closer
    close_and_continue(store, ACTOR, steps["test"], reason=None, force=False)
    done = close_and_continue(store, ACTOR, steps["report"], reason="ok", force=False)
    assert done.complete and done.next is None
    last = logged(store)[-1]
    assert (last["op"], last["bead"]) == ("close", poured.root)
    assert last["data"]["set"]["close_reason"] == "molecule complete"
    with pytest.raises(WrongState, match="is already closed"):
        close_and_continue(store, ACTOR, steps["report"], reason=None, force=False)
    with pytest.raises(NotAMolecule, match="is not a step of a molecule"):
        close_and_continue(store, ACTOR, bead(store, "plain"), reason=None, force=False)


def test_reopen_beads_reopens_closed_ones_and_refuses_an_open_one(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    closed, still_open = bead(store, "closed"), bead(store, "open")
    close_beads(store, ACTOR, [closed], reason="x", force=False)
    with pytest.raises(WrongState, match=rf"{still_open} is not closed \(status open\)"):
        reopen_beads(store, ACTOR, [closed, still_open])
    reopen_beads(store, ACTOR, [closed])
    event = logged(store)[-1]
    assert event["op"] == "reopen"
    assert event["data"] == {"set": {"status": "open"}, "unset": ["closed_at", "close_reason"]}
    record = store.get(closed)
    assert record is not None and record["status"] == "open" and "close_reason" not in record


def test_delete_beads_leaves_tombstones_that_edits_then_refuse(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    bead_id = bead(store, "doomed", issue_type="bug")
    delete_beads(store, ACTOR, [bead_id], reason="dup")
    event = logged(store)[-1]
    assert event["op"] == "delete"
    assert event["data"] == {"set": {"status": "tombstone", "deleted_at": event["ts"],
                                     "deleted_by": ACTOR, "original_type": "bug",
                                     "delete_reason": "dup"}}  # fmt: skip
    with pytest.raises(UnknownBead, match=r"no bead '.*' \(deleted\)"):
        delete_beads(store, ACTOR, [bead_id], reason=None)
