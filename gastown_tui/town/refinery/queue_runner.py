"""The Refinery's loop (DESIGN §6): one per rig, in its own session `<prefix>-refinery`.

Recover from a crash, then take `queued` MRs in score order, one at a time through
`Refinery.process`, or in stacks through `process_batch` when the rig's batch size is above 1.
An unexpected error on one MR marks that MR `failed` and the loop goes on (DESIGN §6); while
the queue is paused (a gate that cannot start, `queue_pause`) it takes nothing.

Between passes it waits for the log to change (watchfiles, `runtime.log_follower`), at most a
tick: a merge request submitted by `gt done` is taken at once, not at the next tick.
"""

from __future__ import annotations

from contextlib import ExitStack

from gastown_tui.core import record as rec
from gastown_tui.core.timestamps import format_ts
from gastown_tui.runtime.log_follower import LogFollower
from gastown_tui.town.heartbeats import write_heartbeat
from gastown_tui.town.refinery.batch import process_batch
from gastown_tui.town.refinery.merger import Outcome, Refinery
from gastown_tui.town.refinery.queue_pause import queue_pause
from gastown_tui.town.session_names import refinery_session


def run_refinery(refinery: Refinery, *, once: bool = False) -> list[Outcome]:
    """Recover, then process the queue; with `once`, only what was queued when it started
    (a rework submitted meanwhile waits for the next run), stopping when that is done."""
    town = refinery.town
    outcomes: list[Outcome] = []
    with refinery.exclusive(), ExitStack() as cleanup:
        log = LogFollower(town.paths.beads / "events.jsonl")
        if not once:
            log.start()
            cleanup.callback(log.close)
        refinery.recover()
        cutoff = format_ts(town.clock.now())
        tick = 0
        while True:
            tick += 1
            write_heartbeat(town, refinery_session(refinery.rig.prefix), tick)
            if queue_pause(town, refinery.rig.name) is not None:
                if once:
                    return outcomes
                log.wait(town.thresholds.tick)  # until `gt mq resume` resolves the pause
                continue
            waiting = refinery.requests()
            if once:
                waiting = [
                    mr
                    for mr in waiting
                    if str(rec.metadata_of(mr).get("submitted_at", "")) <= cutoff
                ]
            if waiting:
                if refinery.rig.batch > 1 and len(waiting) > 1:
                    outcomes += _batch_or_one_by_one(refinery, waiting[: refinery.rig.batch])
                else:
                    outcomes.append(_one(refinery, waiting[0]))
                continue
            if once:
                return outcomes
            log.wait(town.thresholds.tick)


def _one(refinery: Refinery, mr: rec.Record) -> Outcome:
    """One MR; an error on it fails that MR alone, never the loop (no crash loop on restart)."""
    try:
        return refinery.process(mr)
    except Exception as error:  # anything unexpected: that MR fails, not the queue
        return refinery.fail(mr, error)


def _batch_or_one_by_one(refinery: Refinery, requests: list[rec.Record]) -> list[Outcome]:
    """A batch; when it errors, its MRs go back to the queue and are taken one at a time, so
    the one that causes the error fails alone."""
    try:
        return process_batch(refinery, requests)
    except Exception as error:  # as in _one
        print(f"refinery {refinery.rig.name}: a batch failed ({type(error).__name__}: {error}); "
              "taking its merge requests one at a time", flush=True)  # fmt: skip
        refinery.requeue(requests)
        ids = {mr["id"] for mr in requests}
        return [_one(refinery, mr) for mr in refinery.requests() if mr["id"] in ids]
