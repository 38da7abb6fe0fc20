"""Mail (DESIGN §4): typed messages stored as beads, one per recipient.

A message is `issue_type=message` with labels `gt:message`, `msg-type:<TYPE>`, `from:<addr>`,
`thread:<id>` (and `reply-to:<id>` for a reply); the assignee is the recipient and the typed
fields are its metadata. Unread = open without the `read` label; `ack` adds `acked` (and
`read`) with `acked_by`/`acked_at` in the metadata; `archive` closes it.
"""

from __future__ import annotations

from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core import record as rec
from gastown_tui.core.addresses import AddressError, parse_address
from gastown_tui.core.ids import TOWN_PREFIX
from gastown_tui.core.mail_schema import MailError, label_value, message_labels, validate_message
from gastown_tui.store.bead_queries import ListFilter, list_beads
from gastown_tui.store.write_transaction import WriteTransaction, write_transaction
from gastown_tui.town.town import Town, TownError

MESSAGE_TYPE = "message"
READ_LABEL = "read"
ACKED_LABEL = "acked"
ARCHIVED_REASON = "archived"
# Keys of a message's metadata that its typed fields may not overwrite.
RESERVED_FIELDS = frozenset({"msg_type", "acked_by", "acked_at"})


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
    reply_to: str | None = None,
) -> str:
    """Write one message inside `tx` (validated first); returns its id."""
    try:
        validate_message(message_type, {k: str(v) for k, v in fields.items()})
    except MailError as error:
        raise TownError(str(error)) from error
    reserved = sorted(RESERVED_FIELDS & set(fields))
    if reserved:
        raise TownError(f"message field(s) {', '.join(reserved)} are reserved")
    message_id = tx.new_id(f"mail|{to}|{message_type}|{fields}", prefix=TOWN_PREFIX)
    ts = tx.stamp()
    issue = fields.get("issue")
    title = subject or (f"{message_type} {issue}" if issue else message_type)
    labels = message_labels(message_type, tx.actor, thread or message_id)
    if reply_to:
        labels = sorted([*labels, f"reply-to:{reply_to}"])
    record: dict[str, Any] = {
        "id": message_id, "title": title, "status": "open", "priority": 2,
        "issue_type": MESSAGE_TYPE, "assignee": to, "created_at": ts, "created_by": tx.actor,
        "updated_at": ts, "sender": tx.actor, "labels": labels,
        "metadata": {"msg_type": message_type, **fields},
    }  # fmt: skip
    if body:
        record["description"] = body
    tx.emit(ev.CREATE, message_id, {"record": record}, ts)
    return message_id


def require_message(record: rec.Record | None, message_id: str) -> rec.Record:
    """`record` if it is a live message, else TownError (missing, deleted, or another type)."""
    if record is None or rec.is_tombstone(record):
        raise TownError(f"no message {message_id!r}")
    if rec.type_of(record) != MESSAGE_TYPE:
        raise TownError(f"{message_id} is a {rec.type_of(record)}, not a message")
    return record


def thread_of(record: rec.Record) -> str:
    """The thread a message belongs to (its own id when it started one)."""
    return label_value(rec.labels_of(record), "thread") or str(record["id"])


def is_unread(record: rec.Record) -> bool:
    return rec.status_of(record) != rec.CLOSED and READ_LABEL not in rec.labels_of(record)


def inbox_order(messages: list[rec.Record]) -> list[rec.Record]:
    """Unread first, then newest first (id breaks ties, so the order is stable)."""
    newest = sorted(messages, key=lambda m: (str(m.get("created_at", "")), str(m["id"])),
                    reverse=True)  # fmt: skip
    return sorted(newest, key=lambda m: not is_unread(m))


def thread_order(messages: list[rec.Record]) -> list[rec.Record]:
    """Oldest first: the order a conversation is read in."""
    return sorted(messages, key=lambda m: (str(m.get("created_at", "")), str(m["id"])))


def send(
    town: Town,
    to: str,
    message_type: str,
    fields: dict[str, Any],
    actor: str,
    *,
    subject: str | None = None,
    body: str = "",
    reply_to: str | None = None,
) -> rec.Record:
    """`gt mail send`: check the recipient (and the message replied to), write, return it."""
    recipient = check_recipient(town, to)
    with write_transaction(town.store, actor) as tx:
        thread = None
        if reply_to:
            thread = thread_of(require_message(tx.get(reply_to), reply_to))
        message_id = send_mail(tx, recipient, message_type, fields, subject=subject, body=body,
                               thread=thread, reply_to=reply_to)  # fmt: skip
    return _stored(town, message_id)


def inbox(town: Town, address: str, *, include_archived: bool = False) -> list[rec.Record]:
    """The messages assigned to `address`: open ones (with `include_archived`, closed too)."""
    try:
        canonical = str(parse_address(address))
    except AddressError as error:
        raise TownError(str(error)) from error
    wanted = ListFilter(types=[MESSAGE_TYPE], assignee=canonical, include_closed=include_archived)
    return inbox_order(list_beads(town.store.connection, wanted))


def read_message(town: Town, message_id: str, actor: str) -> rec.Record:
    """The message, marked read (label `read`) if it was not already."""
    with write_transaction(town.store, actor) as tx:
        record = require_message(tx.get(message_id), message_id)
        _add_labels(tx, record, [READ_LABEL])
    return _stored(town, message_id)


def ack_message(town: Town, message_id: str, actor: str) -> rec.Record:
    """Acknowledge: labels `acked` and `read`; the first ack's `acked_by`/`acked_at` stay."""
    with write_transaction(town.store, actor) as tx:
        record = require_message(tx.get(message_id), message_id)
        _add_labels(tx, record, [ACKED_LABEL, READ_LABEL])
        if not rec.metadata_of(record).get("acked_by"):
            ts = tx.stamp()
            tx.emit(ev.UPDATE, message_id, {"metadata": {"acked_by": actor, "acked_at": ts}}, ts)
    return _stored(town, message_id)


def archive_message(town: Town, message_id: str, actor: str) -> rec.Record:
    """Close the message (archiving an archived one changes nothing)."""
    with write_transaction(town.store, actor) as tx:
        record = require_message(tx.get(message_id), message_id)
        if rec.status_of(record) != rec.CLOSED:
            ts = tx.stamp()
            changes = {"status": rec.CLOSED, "closed_at": ts, "close_reason": ARCHIVED_REASON}
            tx.emit(ev.CLOSE, message_id, {"set": changes}, ts)
    return _stored(town, message_id)


def thread_messages(town: Town, message_id: str) -> list[rec.Record]:
    """Every message of the thread `message_id` belongs to, archived ones included."""
    record = require_message(town.store.get(message_id), message_id)
    thread = thread_of(record)
    wanted = ListFilter(types=[MESSAGE_TYPE], labels=[f"thread:{thread}"], include_closed=True)
    found = {m["id"]: m for m in list_beads(town.store.connection, wanted)}
    found.setdefault(record["id"], record)  # a message imported without its thread label
    return thread_order(list(found.values()))


def _add_labels(tx: WriteTransaction, record: rec.Record, labels: list[str]) -> None:
    present = set(rec.labels_of(record))
    for label in labels:
        if label not in present:
            tx.emit(ev.LABEL_ADD, str(record["id"]), {"label": label})


def _stored(town: Town, message_id: str) -> rec.Record:
    record = town.store.get(message_id)
    assert record is not None  # just written inside this process's own transaction
    return record
