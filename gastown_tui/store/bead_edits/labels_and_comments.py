"""Labels and comments on a bead (`bd label add|remove`, `bd comment add`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.store.bead_edits.refusals import require
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.issues_export import export_if_automatic
from gastown_tui.store.write_transaction import write_transaction


class Comment(TypedDict):
    """A comment as stored in the bead's record and printed by `bd comment add --json`."""

    id: str
    issue_id: str
    author: str
    text: str
    created_at: str


def add_labels(store: BeadsStore, actor: str, bead_id: str, labels: Sequence[str]) -> None:
    """Add the labels the bead lacks (one event each, in the order given)."""
    _change_labels(store, actor, bead_id, labels, ev.LABEL_ADD)


def remove_labels(store: BeadsStore, actor: str, bead_id: str, labels: Sequence[str]) -> None:
    """Remove the labels the bead has (one event each, in the order given)."""
    _change_labels(store, actor, bead_id, labels, ev.LABEL_REMOVE)


def _change_labels(
    store: BeadsStore, actor: str, bead_id: str, labels: Sequence[str], op: str
) -> None:
    with write_transaction(store, actor) as tx:
        present = set(rec.labels_of(require(tx, bead_id)))
        for label in labels:
            if (label in present) != (op == ev.LABEL_ADD):
                tx.emit(op, bead_id, {"label": label})
    export_if_automatic(store)


def add_comment(store: BeadsStore, actor: str, bead_id: str, text: str) -> Comment:
    """Add a comment by `actor`; the comment, with its id (a ULID) and time."""
    with write_transaction(store, actor) as tx:
        require(tx, bead_id)
        ts = tx.stamp()
        comment = Comment(id=tx.new_event_id(), issue_id=bead_id, author=actor, text=text,
                          created_at=ts)  # fmt: skip
        tx.emit(ev.COMMENT_ADD, bead_id, {"comment": dict(comment)}, ts)
    export_if_automatic(store)
    return comment
