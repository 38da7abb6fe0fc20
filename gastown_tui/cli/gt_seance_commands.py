"""`gt seance <agent>` and `gt handoff [-m text]`: an agent's predecessor sessions, and the note
a session leaves its successor (`town/seance/`, `town/work/handoff.py`)."""

from __future__ import annotations

from gastown_tui.cli.gt_context import GtContext
from gastown_tui.core.display_text import visible
from gastown_tui.town.cv.agent_cvs import agent_address
from gastown_tui.town.seance.sessions import agent_seance
from gastown_tui.town.work.handoff import handoff


def cmd_seance(ctx: GtContext) -> None:
    seance = agent_seance(ctx.town.store, agent_address(ctx.args.agent))
    if ctx.json:
        ctx.emit_json(seance.to_json())
        return
    if not seance.sessions and not seance.handoffs:
        ctx.say(f"{visible(seance.agent)}: no sessions on record")
        return
    ctx.say(f"{visible(seance.agent)}: {len(seance.sessions)} session(s), newest first")
    for session in seance.sessions:
        ended = session.end_reason or "no end recorded (it died, or is still running)"
        ctx.say(f"- {session.started_at[:19]} {visible(session.session)} on {session.bead} "
                f"(attempt {session.attempt or '?'}): {visible(ended)}")  # fmt: skip
        for line in session.did or ["(did nothing recorded)"]:
            ctx.say(f"    {visible(line)}")
        if session.sent_back:
            ctx.say(f"    then {visible(session.sent_back)}")
    if seance.handoffs:
        ctx.say("handoffs (newest first):")
    for note in seance.handoffs:
        ctx.say(f"- {note.at[:19]} from {visible(note.sender)}: {visible(note.status)}; "
                f"next {visible(note.next)}; {visible(note.context)}")  # fmt: skip


def cmd_handoff(ctx: GtContext) -> None:
    agent = str(ctx.args.agent or ctx.actor)
    result = handoff(ctx.town, agent, ctx.args.message or "", ctx.actor)
    if ctx.json:
        ctx.emit_json(result.to_json())
        return
    ctx.say(f"handoff {result.message} to {visible(result.agent)}: {visible(result.status)}; "
            f"next {visible(result.next)}")  # fmt: skip
    for step in result.restarted:
        ctx.say(f"  {visible(step)}")
