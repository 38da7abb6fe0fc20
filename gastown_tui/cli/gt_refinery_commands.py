"""`gt refinery run` and `gt mq list|status|retry|reject|resume`."""

from __future__ import annotations

from gastown_tui.cli.bead_output import show_views
from gastown_tui.cli.gt_context import GtContext
from gastown_tui.core import record as rec
from gastown_tui.core.display_text import visible
from gastown_tui.town.refinery import merge_requests
from gastown_tui.town.refinery.merger import Refinery
from gastown_tui.town.refinery.queue_pause import queue_pause, resume_queue
from gastown_tui.town.refinery.queue_runner import run_refinery


def cmd_refinery_run(ctx: GtContext) -> None:
    refinery = Refinery(ctx.town, ctx.args.rig)
    outcomes = run_refinery(refinery, once=ctx.args.once)
    if ctx.json:
        ctx.emit_json([{"mr": o.mr, "result": o.result, "commit": o.commit, "detail": o.detail,
                        "bugs": o.bugs} for o in outcomes])  # fmt: skip
        return
    for outcome in outcomes:
        commit = f" {outcome.commit[:12]}" if outcome.commit else ""
        ctx.say(f"{outcome.mr}: {outcome.result}{commit} {visible(outcome.detail)}".rstrip())


def cmd_mq_list(ctx: GtContext) -> None:
    rows = merge_requests.queue_rows(ctx.town, ctx.args.rig, ctx.args.all)
    if ctx.json:
        ctx.emit_json(rows)
        return
    for rig in [ctx.args.rig] if ctx.args.rig else list(ctx.town.rigs()):
        pause = queue_pause(ctx.town, rig)
        if pause is not None:
            ctx.say(f"rig {rig}: queue PAUSED since {pause.since}: gate {pause.gate} cannot start "
                    f"({pause.escalation}); `gt mq resume {rig}` once it is fixed")  # fmt: skip
    for row in rows:
        metadata = rec.metadata_of(row)
        where = f"#{row['position']}" if row["position"] else ""
        ctx.say(
            f"{row['id']}  {row['state']:<10} {where:<4} {metadata.get('source_issue')}  "
            f"{visible(str(metadata.get('worker')))}  {visible(str(metadata.get('branch')))}"
        )


def cmd_mq_status(ctx: GtContext) -> None:
    record = merge_requests.require_mr(ctx.town, ctx.args.mr)
    shown = show_views(ctx, [record])
    if ctx.json:
        ctx.emit_json(shown)
        return
    metadata = rec.metadata_of(record)
    ctx.say(f"{record['id']}  {visible(str(record.get('title', '')))}")
    for key in ("state", "source_issue", "branch", "target", "worker", "attempt", "commit_sha",
                "merge_commit", "failure_type"):  # fmt: skip
        if metadata.get(key) is not None:
            ctx.say(f"  {key}: {visible(str(metadata[key]))}")


def cmd_mq_retry(ctx: GtContext) -> None:
    result = merge_requests.retry(ctx.town, ctx.args.mr, ctx.actor)
    ctx.emit_json(result) if ctx.json else ctx.say(f"{result['mr']}: queued again")


def cmd_mq_reject(ctx: GtContext) -> None:
    result = merge_requests.reject(ctx.town, ctx.args.mr, ctx.args.reason, ctx.actor)
    if ctx.json:
        ctx.emit_json(result)
    else:
        ctx.say(f"{result['mr']}: rejected; {result['bead']} is open again")


def cmd_mq_resume(ctx: GtContext) -> None:
    resolved = resume_queue(ctx.town, ctx.args.rig, ctx.actor)
    if ctx.json:
        ctx.emit_json({"rig": ctx.args.rig, "resolved": resolved})
    else:
        ctx.say(f"the merge queue of {ctx.args.rig} runs again (resolved {', '.join(resolved)})")
