"""The Refinery's loop (DESIGN §6): one per rig, in its own session `<prefix>-refinery`.

Recover from a crash, then take `queued` MRs in score order, one at a time through
`Refinery.process`, or in stacks through `process_batch` when the rig's batch size is above 1.
"""

from __future__ import annotations

import time

from gastown_tui.core import record as rec
from gastown_tui.core.timestamps import format_ts
from gastown_tui.town.heartbeats import write_heartbeat
from gastown_tui.town.refinery.batch import process_batch
from gastown_tui.town.refinery.merger import Outcome, Refinery
from gastown_tui.town.session_names import refinery_session


def run_refinery(refinery: Refinery, *, once: bool = False) -> list[Outcome]:
    """Recover, then process the queue; with `once`, only what was queued when it started
    (a rework submitted meanwhile waits for the next run), stopping when that is done."""
    town = refinery.town
    outcomes: list[Outcome] = []
    with refinery.exclusive():
        refinery.recover()
        cutoff = format_ts(town.clock.now())
        tick = 0
        while True:
            tick += 1
            write_heartbeat(town, refinery_session(refinery.rig.prefix), tick)
            waiting = refinery.requests()
            if once:
                waiting = [
                    mr
                    for mr in waiting
                    if str(rec.metadata_of(mr).get("submitted_at", "")) <= cutoff
                ]
            if waiting:
                if refinery.rig.batch > 1 and len(waiting) > 1:
                    outcomes += process_batch(refinery, waiting[: refinery.rig.batch])
                else:
                    outcomes.append(refinery.process(waiting[0]))
                continue
            if once:
                return outcomes
            time.sleep(town.thresholds.tick)
