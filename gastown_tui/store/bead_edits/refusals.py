"""Why an edit was refused: exceptions whose message is what the user is told."""

from __future__ import annotations

from gastown_tui.core import record as rec
from gastown_tui.store.write_transaction import WriteTransaction


class EditRefused(Exception):
    """An edit the store will not make; nothing was written."""


class UnknownBead(EditRefused):
    """No bead has this id (or it was deleted)."""


class BeadExists(EditRefused):
    """`create` with an explicit id that is taken."""


class WrongState(EditRefused):
    """The bead's status forbids the edit: reopening an open bead, claiming a closed one…"""


class ClaimRefused(EditRefused):
    """Someone else holds the bead."""


class OutOfOrderClose(EditRefused):
    """Closing a molecule step whose needs are open (the Batch-Closure Heresy)."""


class DependencyRefused(EditRefused):
    """A dependency that would depend on itself or make a cycle, or one that is not there."""


class NotAMolecule(EditRefused):
    """A molecule action on a bead that is no molecule (or a step of none)."""


class TemplateRefused(EditRefused):
    """Storing a protomolecule under an id that an ordinary bead already has."""


def require(tx: WriteTransaction, bead_id: str) -> rec.Record:
    """The live record of `bead_id` as the transaction sees it, or `UnknownBead`."""
    record = tx.get(bead_id)
    if record is None or rec.is_tombstone(record):
        raise UnknownBead(f"no bead {bead_id!r}" + (" (deleted)" if record else ""))
    return record


class FileUnreadable(EditRefused):
    """A file to import could not be read."""
