"""Batch mode (`merge_queue.batch = N` in rig.toml, DESIGN §6): stack up to N MRs as squashed
commits on the target, run the gates once on the tip, retry once when red (a flaky gate), then
bisect the stack for the first bad commit; land the good prefix, send the culprit back, and
put the MRs after it back in the queue to be stacked again. With `parallel_probes` > 1 the
retry and the bisection run side by side in probe worktrees instead of one after another.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from gastown_tui.core import record as rec
from gastown_tui.runtime.gate_runner import GateResult
from gastown_tui.town.refinery.git_steps import ensure_worktree, reset_to
from gastown_tui.town.refinery.merger import Outcome, Refinery, blocked
from gastown_tui.town.refinery.queue_pause import GateCannotStart
from gastown_tui.town.refinery.rework import send_back


def process_batch(refinery: Refinery, requests: list[rec.Record]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    stack: list[tuple[rec.Record, str]] = []
    try:
        return _stack_and_land(refinery, requests, outcomes, stack)
    except GateCannotStart as stop:  # no verdict on any of them: back to the queue, paused
        return outcomes + refinery.pause([mr for mr, _ in stack], stop)


def _stack_and_land(refinery: Refinery, requests: list[rec.Record], outcomes: list[Outcome],
                    stack: list[tuple[rec.Record, str]]) -> list[Outcome]:  # fmt: skip
    base = refinery.target_head()
    tip = base
    for mr in requests:
        moved_on = refinery.claim(mr)
        if moved_on is not None:
            outcomes.append(Outcome(mr["id"], "skipped", detail=f"it is {moved_on}"))
            continue
        commit = refinery.squash_onto(mr, tip)
        if isinstance(commit, Outcome):
            outcomes.append(commit)
            continue
        stack.append((mr, commit))
        tip = commit
    if not stack:
        return outcomes
    red, bugs = refinery.run_gates(tip, base)
    good = len(stack)
    culprit_result: GateResult | None = None
    if red is not None and refinery.rig.parallel_probes > 1:
        good, culprit_result = _speculate(refinery, stack)
    elif red is not None:
        red, more = refinery.run_gates(tip, base, fresh=True)  # once more: a flaky gate?
        bugs += more
        if red is not None:
            good, culprit_result = _bisect(refinery, stack, base, red)
    landed = 0
    if good:
        landing = refinery.land(stack[:good], base, f"landed in a batch of {len(stack)}")
        if landing.target_moved:
            refinery.requeue([mr for mr, _ in stack])  # the target moved: stack again
            return outcomes
        landed = landing.landed
        if landing.tip is not None:
            refinery.push_to_source(landing.tip)
        for mr, commit in stack[:landed]:
            outcomes.append(Outcome(mr["id"], "merged", commit, bugs=bugs))
    reset_to(refinery.worktree, refinery.target_head())
    if landed < good:
        # An MR of the green prefix was rejected or superseded while the stack was tested: the
        # commits after it were built on it, so they are stacked again.
        refinery.requeue([mr for mr, _ in stack[landed:]])
        return outcomes
    if good < len(stack):
        culprit = stack[good][0]
        assert culprit_result is not None
        sent = send_back(refinery.town, culprit["id"], "gate", gate=culprit_result.name,
                         details=culprit_result.output, actor=refinery.actor)  # fmt: skip
        if sent is not None:
            detail = f"gate {culprit_result.name}{blocked(sent)}"
            outcomes.append(Outcome(culprit["id"], "failed", detail=detail))
        refinery.requeue([mr for mr, _ in stack[good + 1 :]])
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


def _speculate(refinery: Refinery,
               stack: list[tuple[rec.Record, str]]) -> tuple[int, GateResult | None]:  # fmt: skip
    """The retry of the red tip and every shorter prefix, run side by side in probe worktrees
    (in waves of `parallel_probes`): the first red prefix is the culprit; a green retry means
    the gate was flaky and the whole stack lands."""
    sizes = [len(stack), *range(1, len(stack))]  # the retry first: it decides everything
    width = max(1, refinery.rig.parallel_probes)
    for worktree_slot in range(min(width, len(sizes))):  # made one at a time: git's own lock
        ensure_worktree(refinery.repository, refinery.worktree.parent / "refinery-probes"
                        / str(worktree_slot), stack[0][1])  # fmt: skip
    results: dict[int, GateResult | None] = {}
    with ThreadPoolExecutor(max_workers=width) as pool:
        for start in range(0, len(sizes), width):
            wave = sizes[start : start + width]
            futures = {size: pool.submit(refinery.probe, stack[size - 1][1], slot)
                       for slot, size in enumerate(wave)}  # fmt: skip
            results.update({size: future.result() for size, future in futures.items()})
            if results.get(len(stack), "unknown") is None:
                return len(stack), None  # flaky: the retry passed
    red_sizes = sorted(size for size, result in results.items() if result is not None)
    first_red = red_sizes[0]
    return first_red - 1, results[first_red]
