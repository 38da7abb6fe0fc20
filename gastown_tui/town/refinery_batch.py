"""Batch mode (`merge_queue.batch = N` in rig.toml, DESIGN §6): stack up to N MRs as squashed
commits on the target, run the gates once on the tip, retry once when red (a flaky gate), then
bisect the stack for the first bad commit; land the good prefix, send the culprit back, and
put the MRs after it back in the queue to be stacked again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gastown_tui.core import merge_queue as mq
from gastown_tui.core import record as rec
from gastown_tui.runtime.fault_seams import fault_point
from gastown_tui.runtime.gate_runner import GateResult
from gastown_tui.runtime.git_repo import rev_parse
from gastown_tui.town.refinery_git import move_target, reset_to, squash
from gastown_tui.town.rework import send_back

if TYPE_CHECKING:
    from gastown_tui.town.refinery import Outcome, Refinery


def process_batch(refinery: Refinery, requests: list[rec.Record]) -> list[Outcome]:
    from gastown_tui.town.refinery import Outcome

    outcomes: list[Outcome] = []
    base = refinery.target_head()
    stack: list[tuple[rec.Record, str]] = []
    tip = base
    for mr in requests:
        refinery.claim(mr)
        branch = str(rec.metadata_of(mr).get("branch"))
        if rev_parse(refinery.repository, f"refs/heads/{branch}") is None:
            send_back(refinery.town, mr["id"], "other", details=f"branch {branch} is missing",
                      actor=refinery.actor)  # fmt: skip
            outcomes.append(Outcome(mr["id"], "failed", detail="branch missing"))
            continue
        squashed = squash(refinery.worktree, tip, branch, refinery.message_for(mr),
                          refinery.author_of(mr))  # fmt: skip
        if squashed.conflicts:
            send_back(refinery.town, mr["id"], "conflict", files=squashed.conflicts,
                      details="Conflicting files:\n" + "\n".join(squashed.conflicts),
                      actor=refinery.actor)  # fmt: skip
            outcomes.append(Outcome(mr["id"], "conflict", detail=", ".join(squashed.conflicts)))
            continue
        if squashed.commit is None:
            refinery.finish_merged(mr, tip, "nothing new: the branch is already on the target")
            outcomes.append(Outcome(mr["id"], "merged", tip, "already on the target"))
            continue
        stack.append((mr, squashed.commit))
        tip = squashed.commit
    if not stack:
        return outcomes
    red, bugs = refinery.run_gates(tip, base)
    if red is not None:
        red, bugs = refinery.run_gates(tip, base)  # once more: a flaky gate passes now
    good = len(stack)
    culprit_result: GateResult | None = None
    if red is not None:
        good, culprit_result = _bisect(refinery, stack, base, red)
    if good:
        last = stack[good - 1][1]
        if not move_target(refinery.repository, refinery.target, last, base):
            _requeue(refinery, [mr for mr, _ in stack])  # the target moved: stack again
            return outcomes
        fault_point("refinery.after_land")
        refinery.push_to_source(last)
        for mr, commit in stack[:good]:
            refinery.finish_merged(mr, commit, f"landed in a batch of {len(stack)}")
            outcomes.append(Outcome(mr["id"], "merged", commit, bugs=bugs))
    if good < len(stack):
        culprit = stack[good][0]
        assert culprit_result is not None
        reset_to(refinery.worktree, refinery.target_head())
        send_back(refinery.town, culprit["id"], "gate", gate=culprit_result.name,
                  details=culprit_result.output, actor=refinery.actor)  # fmt: skip
        outcomes.append(Outcome(culprit["id"], "failed", detail=f"gate {culprit_result.name}"))
        _requeue(refinery, [mr for mr, _ in stack[good + 1 :]])
    return outcomes


def _bisect(refinery: Refinery, stack: list[tuple[rec.Record, str]], base: str,
            red_tip: GateResult) -> tuple[int, GateResult]:  # fmt: skip
    """(how many commits of the stack are good, the culprit's red gate). The empty prefix (the
    target) is green, the whole stack is red; find the first red prefix by halving."""
    green, red, red_result = 0, len(stack), red_tip
    while red - green > 1:
        middle = (green + red) // 2
        result, _ = refinery.run_gates(stack[middle - 1][1], base)
        if result is None:
            green = middle
        else:
            red, red_result = middle, result
    return green, red_result


def _requeue(refinery: Refinery, requests: list[rec.Record]) -> None:
    if not requests:
        return
    with refinery.town.store.transaction(refinery.actor) as tx:
        for mr in requests:
            tx.emit("update", mr["id"], {"metadata": {"state": mq.QUEUED, "claimed_at": None}})
