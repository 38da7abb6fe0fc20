"""Mail (DESIGN §4): typed messages stored as beads, one per recipient.

A message is `issue_type=message` with labels `gt:message`, `msg-type:<TYPE>`, `from:<addr>`,
`thread:<id>`; the assignee is the recipient and the typed fields are its metadata. Unread =
open without the `read` label; `ack` adds `acked`; `archive` closes it.
"""

from __future__ import annotations

from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core.addresses import AddressError, parse_address
from gastown_tui.core.ids import TOWN_PREFIX
from gastown_tui.core.mail_schema import MailError, message_labels, validate_message
from gastown_tui.store.beads_store import WriteTransaction
from gastown_tui.town.town import Town, TownError

READ_LABEL = "read"
ACKED_LABEL = "acked"


def check_recipient(town: Town, to: str) -> str:
    """`to` as a canonical address of this town, or TownError saying what is wrong."""
    try:
        address = parse_address(to)
    except AddressError as error:
        raise TownError(str(error)) from error
    if address.rig is not None and address.rig not in town.rigs():
        raise TownError(f"address {to!r}: no rig {address.rig!r} in this town")
    return str(address)


def send_mail(
    tx: WriteTransaction,
    to: str,
    message_type: str,
    fields: dict[str, Any],
    *,
    subject: str | None = None,
    body: str = "",
    thread: str | None = None,
) -> str:
    """Write one message inside `tx` (validated first); returns its id."""
    try:
        validate_message(message_type, {k: str(v) for k, v in fields.items()})
    except MailError as error:
        raise TownError(str(error)) from error
    message_id = tx.new_id(f"mail|{to}|{message_type}|{fields}", prefix=TOWN_PREFIX)
    ts = tx.stamp()
    issue = fields.get("issue")
    title = subject or (f"{message_type} {issue}" if issue else message_type)
    record: dict[str, Any] = {
        "id": message_id, "title": title, "status": "open", "priority": 2,
        "issue_type": "message", "assignee": to, "created_at": ts, "created_by": tx.actor,
        "updated_at": ts, "sender": tx.actor,
        "labels": message_labels(message_type, tx.actor, thread or message_id),
        "metadata": {"msg_type": message_type, **fields},
    }  # fmt: skip
    if body:
        record["description"] = body
    tx.emit(ev.CREATE, message_id, {"record": record}, ts)
    return message_id
