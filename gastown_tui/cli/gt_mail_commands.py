"""`gt mail …`, `gt nudge`, `gt broadcast`, `gt escalate create`: talking to agents and people.

Handlers parse and print; the work is in `town/mail.py`, `town/nudges.py` and
`town/escalations.py`. Text output shows untrusted text with visible escapes; `--json` prints
bead objects (beads field names) byte-exact.
"""

from __future__ import annotations

from gastown_tui.cli.bead_output import show_records
from gastown_tui.cli.command_context import CommandError
from gastown_tui.cli.gt_context import GtContext
from gastown_tui.core import record as rec
from gastown_tui.core.display_text import visible
from gastown_tui.core.escalation_rules import EscalationError, check_severity
from gastown_tui.core.mail_schema import label_value
from gastown_tui.town.comms import mail
from gastown_tui.town.comms.escalations import escalate, route_of
from gastown_tui.town.comms.nudges import broadcast, nudge


def parse_fields(items: list[str]) -> dict[str, str]:
    """`--field k=v` options as a dict (a later key wins); a malformed one is a usage error."""
    fields: dict[str, str] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise CommandError(f"--field {item!r}: expected KEY=VALUE", code=2)
        fields[key.strip()] = value
    return fields


def cmd_send(ctx: GtContext) -> None:
    args = ctx.args
    record = mail.send(ctx.town, args.to, args.message_type, parse_fields(args.field), ctx.actor,
                       subject=args.subject, body=args.body or "",
                       reply_to=args.reply_to)  # fmt: skip
    if ctx.json:
        ctx.emit_json(show_records(ctx, [record])[0])
    else:
        ctx.say(f"sent {record['id']} ({_type(record)}) to {visible(str(record['assignee']))}")


def cmd_inbox(ctx: GtContext) -> None:
    address = ctx.args.agent or ctx.actor
    messages = mail.inbox(ctx.town, address, include_archived=ctx.args.all)
    if ctx.json:
        ctx.emit_json(show_records(ctx, messages))
        return
    unread = sum(1 for m in messages if mail.is_unread(m))
    ctx.say(f"{visible(address)}: {len(messages)} message(s), {unread} unread")
    for message in messages:
        ctx.say(_summary(message))


def cmd_read(ctx: GtContext) -> None:
    record = mail.read_message(ctx.town, ctx.args.id, ctx.actor)
    if ctx.json:
        ctx.emit_json(show_records(ctx, [record])[0])
        return
    ctx.say(_summary(record))
    ctx.say(f"to {visible(str(record.get('assignee', '')))}, "
            f"thread {visible(mail.thread_of(record))}")  # fmt: skip
    for key, value in rec.metadata_of(record).items():
        if key != "msg_type":
            ctx.say(f"  {visible(key)}: {visible(str(value))}")
    if record.get("description"):
        ctx.say()
        ctx.say(visible(str(record["description"]), keep_newlines=True))


def cmd_ack(ctx: GtContext) -> None:
    record = mail.ack_message(ctx.town, ctx.args.id, ctx.actor)
    if ctx.json:
        ctx.emit_json(show_records(ctx, [record])[0])
    else:
        by = rec.metadata_of(record).get("acked_by", "")
        ctx.say(f"acknowledged {record['id']} (by {visible(str(by))})")


def cmd_archive(ctx: GtContext) -> None:
    record = mail.archive_message(ctx.town, ctx.args.id, ctx.actor)
    if ctx.json:
        ctx.emit_json(show_records(ctx, [record])[0])
    else:
        ctx.say(f"archived {record['id']}")


def cmd_thread(ctx: GtContext) -> None:
    messages = mail.thread_messages(ctx.town, ctx.args.id)
    if ctx.json:
        ctx.emit_json(show_records(ctx, messages))
        return
    for message in messages:
        ctx.say(f"{_summary(message)} → {visible(str(message.get('assignee', '')))}")


def cmd_nudge(ctx: GtContext) -> None:
    result = nudge(ctx.town, ctx.args.address, ctx.args.text, ctx.actor)
    if ctx.json:
        ctx.emit_json(result)
    else:
        ctx.say(f"nudged {visible(result['target'])} ({result['session']}): "
                f"{visible(result['sent'])}")  # fmt: skip


def cmd_broadcast(ctx: GtContext) -> None:
    delivered, failures = broadcast(ctx.town, ctx.args.text, ctx.actor, rig=ctx.args.rig)
    if ctx.json:
        ctx.emit_json(delivered)
    elif not delivered and not failures:
        ctx.say("no live polecat sessions to nudge")
    else:
        for result in delivered:
            ctx.say(f"nudged {visible(result['target'])} ({result['session']})")
    if failures:
        raise CommandError("not every polecat was nudged:\n" + "\n".join(failures))


def cmd_escalate_create(ctx: GtContext) -> None:
    args = ctx.args
    try:  # a bad severity is a usage error, like a bad choice of any other flag
        severity = check_severity(args.severity)
    except EscalationError as error:
        raise CommandError(str(error), code=2) from error
    record = escalate(ctx.town, severity, args.text, ctx.actor, issue=args.issue,
                      tried=args.tried)  # fmt: skip
    if ctx.json:
        ctx.emit_json(show_records(ctx, [record])[0])
        return
    ctx.say(f"escalated {record['id']} ({severity}, P{rec.priority_of(record)}): "
            f"{visible(str(record.get('title', '')))}")  # fmt: skip
    ctx.say(f"  routed: {', '.join(route_of(ctx.town, severity))}")


def _type(record: rec.Record) -> str:
    return visible(label_value(rec.labels_of(record), "msg-type") or "?")


def _summary(message: rec.Record) -> str:
    labels = rec.labels_of(message)
    if rec.status_of(message) == rec.CLOSED:
        state = "archived"
    elif mail.ACKED_LABEL in labels:
        state = "acked"
    else:
        state = "read" if mail.READ_LABEL in labels else "NEW"
    sender = visible(label_value(labels, "from") or str(message.get("sender", "?")))
    when = str(message.get("created_at", ""))[:19]
    title = visible(str(message.get("title", "")))
    return f"{state:<8} {message['id']}  {when}  {_type(message)}  from {sender}: {title}"
