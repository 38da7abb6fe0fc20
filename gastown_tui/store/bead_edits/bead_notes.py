"""Appending to a bead's notes (`bd note ID TEXT`): the real CLI's running notes field."""

from __future__ import annotations

from dataclasses import dataclass

from gastown_tui.core import events as ev
from gastown_tui.store.bead_edits.refusals import require
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.issues_export import export_if_automatic
from gastown_tui.store.write_transaction import write_transaction


@dataclass(frozen=True)
class NoteAppended:
    """The bead and its whole notes text after the append."""

    bead_id: str
    notes: str


def append_note(store: BeadsStore, actor: str, bead_id: str, text: str) -> NoteAppended:
    """Add `text` as a new paragraph at the end of the bead's notes (the notes themselves if
    there were none), decided inside the lock so two appends never lose one another."""
    with write_transaction(store, actor) as tx:
        record = require(tx, bead_id)
        before = record.get("notes")
        notes = f"{before}\n\n{text}" if isinstance(before, str) and before else text
        tx.emit(ev.UPDATE, bead_id, {"set": {"notes": notes}})
    export_if_automatic(store)
    return NoteAppended(bead_id, notes)
