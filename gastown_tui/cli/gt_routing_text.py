"""`gt sling --explain`: why the sling chose the polecat it did (`town/work/routing.py`)."""

from __future__ import annotations

from gastown_tui.core.display_text import visible
from gastown_tui.town.work.routing import RouteChoice
from gastown_tui.town.work.sling import SlingResult


def explain_text(result: SlingResult, choice: RouteChoice | None) -> str:
    if choice is None:
        if result.spawned:
            return "routing: no polecat was idle, so a new identity was spawned"
        if result.queued:
            return "routing: no polecat was idle and the rig is full: queued on the least busy"
        return f"routing: {visible(result.polecat)} was named, no choice to make"
    lines = [f"routing {choice.bead} in {visible(choice.rig)} on "
             f"{', '.join(visible(c) for c in choice.capabilities) or 'nothing'}: "
             f"{visible(choice.chosen)} ({choice.reason})",
             "  fit = mean over capabilities of (good + 1) / (finished + 2)"]  # fmt: skip
    for score in choice.scores:
        mark = "▶" if score.name == choice.chosen else " "
        parts = "  ".join(f"{visible(p.capability)} {p.successes}/{p.finished}"
                          for p in score.parts)  # fmt: skip
        untried = "  (untried)" if score.untried else ""
        lines.append(f"  {mark} {visible(score.name):<12} {score.fit:.3f}  {parts}{untried}")
    return "\n".join(lines)
