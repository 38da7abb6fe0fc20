"""`gt cv <agent>` and `gt cv board [--by model] [--sort KEY]`: agents' records from the log.

The figures are `town/cv/agent_cvs.py`'s, the same the control room shows and routing uses.
"""

from __future__ import annotations

from gastown_tui.cli.command_context import CommandError
from gastown_tui.cli.gt_context import GtContext
from gastown_tui.core.cv_figures import CvRecord, Figures, percent, short_duration
from gastown_tui.core.display_text import visible
from gastown_tui.town.cv.agent_cvs import BOARD_SORTS, agent_cv, cv_board, cv_json

BOARD = "board"


def figures_line(figures: Figures) -> str:
    return (f"{figures.tasks} tasks · {figures.landed} landed · success "
            f"{percent(figures.success_rate)} · rework {percent(figures.rework_rate)} · "
            f"hook→merge mean {short_duration(figures.mean_hook_to_merge)} "
            f"p90 {short_duration(figures.p90_hook_to_merge)}")  # fmt: skip


def cmd_cv(ctx: GtContext) -> None:
    if ctx.args.agent == BOARD:
        _board(ctx)
        return
    record = agent_cv(ctx.town, ctx.args.agent)
    if ctx.json:
        ctx.emit_json(cv_json(record))
        return
    models = ", ".join(visible(model) for model in record.groups) or "no work yet"
    ctx.say(f"{visible(record.key)}  ({models})")
    ctx.say(f"  {figures_line(record.figures)}")
    if record.flags:
        ctx.say(f"  flags: {', '.join(record.flags)}")
    days = "  ".join(f"{day.day[5:]} {day.successes}/{day.finished}" for day in record.trend)
    ctx.say(f"  last 7 days (good/finished): {days}")
    if record.capabilities:
        ctx.say("  capabilities (from the beads it worked on):")
        width = max(len(c.key) for c in record.capabilities)
        for capability in record.capabilities:
            ctx.say(f"    {visible(capability.key):<{width}}  {figures_line(capability)}")


def _board(ctx: GtContext) -> None:
    by = ctx.args.by
    sort = ctx.args.sort or ("name" if by == "agent" else "tasks")
    if sort not in BOARD_SORTS:
        raise CommandError(f"--sort {sort!r}: use one of {', '.join(BOARD_SORTS)}", code=2)
    records = cv_board(ctx.town, by=by, sort=sort)
    if ctx.json:
        ctx.emit_json([cv_json(record) for record in records])
        return
    if not records:
        ctx.say("no agents yet")
        return
    width = max(len(by), *(len(record.key) for record in records))
    ctx.say(f"{by:<{width}}  tasks  landed  success  rework   mean    p90  flags")
    for record in records:
        ctx.say(_board_line(record, width))


def _board_line(record: CvRecord, width: int) -> str:
    f = record.figures
    return (f"{visible(record.key):<{width}}  {f.tasks:>5}  {f.landed:>6}  "
            f"{percent(f.success_rate):>7}  {percent(f.rework_rate):>6}  "
            f"{short_duration(f.mean_hook_to_merge):>5}  {short_duration(f.p90_hook_to_merge):>5}"
            f"  {', '.join(record.flags)}").rstrip()  # fmt: skip
