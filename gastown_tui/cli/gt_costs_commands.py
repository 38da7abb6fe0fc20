"""`gt costs [--by agent|rig|convoy|model] [--since 7d]`: tokens and dollars from the log's
usage events (`town/costs/cost_report.py`, the figures the control room shows)."""

from __future__ import annotations

from gastown_tui.cli.gt_context import GtContext
from gastown_tui.core.display_text import visible
from gastown_tui.town.costs.cost_report import CostRow, cost_report, parse_since


def money(amount: float) -> str:
    return f"${amount:,.2f}" if amount >= 0.01 or amount == 0 else f"${amount:.4f}"


def _line(row: CostRow, width: int) -> str:
    return (f"{visible(row.key):<{width}}  {row.sessions:>8}  {row.input_tokens:>12,}  "
            f"{row.output_tokens:>12,}  {money(row.cost_usd):>10}")  # fmt: skip


def cmd_costs(ctx: GtContext) -> None:
    town = ctx.town
    since = parse_since(ctx.args.since, town.clock.now()) if ctx.args.since else None
    report = cost_report(town, by=ctx.args.by, since=since)
    if ctx.json:
        ctx.emit_json(report.to_json())
        return
    width = max([len(report.by), 5, *(len(row.key) for row in report.rows)])
    window = f" since {report.since}" if report.since else ""
    ctx.say(f"costs by {report.by}{window} (sessions without usage records, like sim, cost 0)")
    ctx.say(f"{report.by:<{width}}  {'sessions':>8}  {'input tok':>12}  {'output tok':>12}  "
            f"{'cost':>10}")  # fmt: skip
    for row in report.rows:
        ctx.say(_line(row, width))
    ctx.say(_line(report.total, width))
