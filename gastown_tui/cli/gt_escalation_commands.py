"""`gt escalate list|show|ack|resolve|reassign|raise`: triaging escalations from a shell.

The same engine calls (`town/escalations.py`, `town/escalation_triage.py`) serve the control
room's k, R, x and + keys.
Text output shows untrusted text (problems, notes, reasons) with visible escapes; `--json`
prints bead objects with beads field names, byte-exact.
"""

from __future__ import annotations

import sys

from gastown_tui.cli.bead_output import show_records
from gastown_tui.cli.command_context import CommandError
from gastown_tui.cli.gt_context import GtContext
from gastown_tui.core import record as rec
from gastown_tui.core.display_text import visible
from gastown_tui.core.escalation_rules import EscalationError, check_severity
from gastown_tui.town.comms import escalation_triage as triage
from gastown_tui.town.comms import escalations as esc
from gastown_tui.town.comms.escalation_reply import reply_to_escalation
from gastown_tui.town.work.reassign import reassign_escalation


def cmd_list(ctx: GtContext) -> None:
    args = ctx.args
    severity = None
    if args.severity:
        try:  # a bad severity is a usage error, like a bad choice of any other flag
            severity = check_severity(args.severity)
        except EscalationError as error:
            raise CommandError(str(error), code=2) from error
    found = esc.list_escalations(ctx.town, include_resolved=args.all, severity=severity,
                                 unacked_only=args.unacked)  # fmt: skip
    if ctx.json:
        ctx.emit_json(show_records(ctx, found))
        return
    unacked = sum(1 for r in found if not esc.is_acknowledged(r) and not esc.is_resolved(r))
    ctx.say(f"{len(found)} escalation(s), {unacked} unacknowledged")
    for record in found:
        ctx.say(_summary(record))


def cmd_show(ctx: GtContext) -> None:
    record = esc.get_escalation(ctx.town, ctx.args.id)
    if ctx.json:
        ctx.emit_json(show_records(ctx, [record])[0])
        return
    metadata = rec.metadata_of(record)
    ctx.say(_summary(record))
    original = metadata.get("original_severity")
    if metadata.get("reescalations"):
        ctx.say(f"  raised {metadata['reescalations']} time(s) from {visible(str(original))}, "
                f"last at {visible(str(metadata.get('raised_at')))}")  # fmt: skip
    ctx.say(f"  Agent:   {_text(metadata.get('agent'))}")
    ctx.say(f"  Issue:   {_text(metadata.get('issue') or esc.NO_ISSUE)}")
    problem = visible(str(metadata.get("problem") or record.get("title", "")), keep_newlines=True)
    ctx.say("  Problem: " + problem.replace("\n", "\n           "))
    ctx.say(f"  Tried:   {_text(metadata.get('tried') or esc.NOTHING_TRIED)}")
    if metadata.get("decision_needed"):
        ctx.say("  A decision is needed.")
    if esc.is_acknowledged(record):
        note = metadata.get("ack_note")
        ctx.say(f"  Acknowledged by {_text(metadata['acknowledged_by'])} at "
                f"{_text(metadata.get('acknowledged_at'))}"
                + (f": {_text(note)}" if note else ""))  # fmt: skip
    if metadata.get("reassigned_to"):
        ctx.say(f"  Reassigned to {_text(metadata['reassigned_to'])} at "
                f"{_text(metadata.get('reassigned_at'))}")  # fmt: skip
    if esc.is_resolved(record):
        reason = _text(record.get("close_reason"))
        ctx.say(f"  Resolved by {_text(metadata.get('resolved_by'))} at "
                f"{_text(record.get('closed_at'))}: {reason}")  # fmt: skip


def cmd_ack(ctx: GtContext) -> None:
    record, changed = triage.ack_escalation(ctx.town, ctx.args.id, ctx.actor, ctx.args.note)
    if ctx.json:
        ctx.emit_json(show_records(ctx, [record])[0])
        return
    by = _text(rec.metadata_of(record).get("acknowledged_by"))
    ctx.say(f"acknowledged {record['id']} (by {by})" if changed
            else f"{record['id']} was already acknowledged by {by}")  # fmt: skip


def cmd_reply(ctx: GtContext) -> None:
    text = sys.stdin.read() if ctx.args.text == "-" else ctx.args.text
    reply = reply_to_escalation(ctx.town, ctx.args.id, text, ctx.actor)
    if ctx.json:
        ctx.emit_json({"escalation": reply.escalation["id"], "message": reply.message,
                       "to": reply.to, "nudged": reply.nudged,
                       "nudge_problem": reply.nudge_problem})  # fmt: skip
        return
    ctx.say(f"replied to {_text(reply.to)} about {reply.escalation['id']} (mail {reply.message})")
    if not reply.nudged:
        ctx.warn(f"the nudge did not arrive ({_text(reply.nudge_problem)}): "
                 "the agent reads the reply in its mail at its next gt prime")  # fmt: skip


def cmd_resolve(ctx: GtContext) -> None:
    record = triage.resolve_escalation(ctx.town, ctx.args.id, ctx.actor, ctx.args.reason)
    if ctx.json:
        ctx.emit_json(show_records(ctx, [record])[0])
    else:
        ctx.say(f"resolved {record['id']}: {_text(record.get('close_reason'))}")


def cmd_reassign(ctx: GtContext) -> None:
    done = reassign_escalation(ctx.town, ctx.args.id, ctx.args.target, ctx.actor)
    if ctx.json:
        ctx.emit_json({"escalation": show_records(ctx, [done.escalation])[0],
                       "sling": done.sling.to_json()})  # fmt: skip
        return
    slung = done.sling
    where = (f"started in session {slung.session}" if not slung.queued
             else f"queued on its hook (position {slung.position + 1})")  # fmt: skip
    ctx.say(f"reassigned {slung.bead} of {done.escalation['id']} → {slung.agent}: {where}")


def cmd_raise(ctx: GtContext) -> None:
    record = triage.raise_escalation(ctx.town, ctx.args.id, ctx.actor)
    if ctx.json:
        ctx.emit_json(show_records(ctx, [record])[0])
        return
    metadata = rec.metadata_of(record)
    severity = esc.severity_of(record)
    original = _text(metadata.get("original_severity"))
    ctx.say(f"raised {record['id']} to {severity} (P{rec.priority_of(record)}), "
            f"{metadata.get('reescalations')} time(s) since {original}")  # fmt: skip
    ctx.say(f"  routed: {', '.join(esc.route_of(ctx.town, severity))}")


def _text(value: object) -> str:
    return visible(str(value)) if value is not None else "-"


def _summary(record: rec.Record) -> str:
    metadata = rec.metadata_of(record)
    if esc.is_resolved(record):
        state = "resolved"
    else:
        state = "acked" if esc.is_acknowledged(record) else "NEW"
    when = str(record.get("created_at", ""))[:19]
    agent = _text(metadata.get("agent"))
    issue = _text(metadata.get("issue") or "-")
    title = visible(str(record.get("title", "")))
    return (f"{state:<8} {esc.severity_of(record):<8} {record['id']}  {when}  {agent}  "
            f"{issue}: {title}")  # fmt: skip
