"""The refinery and the daemon wake when the log changes (watchfiles on `.beads/`), not at their
next tick: with the `default` profile (a 30 s tick) a merge request filed while the refinery
idles lands, and ready work is dispatched, long before a tick has passed.

Each loop runs as the real process (`gt refinery run`, `gt daemon run`), started after the town
is quiet; the work is written once the loop has done its first pass (its heartbeat says so).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from refinery_town import main_head, queued_mr, quick_rig, record
from town_fixtures import TownRunner, create_bead, eventually

from gastown_tui.core import record as rec
from gastown_tui.town.town import Town

__all__ = ["quick_rig"]

TICK = 30.0  # the default profile's tick; every wait below is well under it


@contextmanager
def loop_process(runner: TownRunner, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    env = {**runner.env, "GT_PROFILE": "default"}
    process = subprocess.Popen([sys.executable, "-m", "gastown_tui.cli.gt_main", *args],
                               cwd=runner.root, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def first_tick_done(town: Town, name: str) -> bool:
    beat = town.paths.heartbeats / f"{name}.json"
    return beat.is_file() and json.loads(beat.read_text())["tick"] >= 1


def test_a_merge_request_filed_while_the_refinery_idles_is_taken_before_its_tick(
    quick_rig: tuple[TownRunner, Town], tmp_path: Path
) -> None:
    runner, town = quick_rig
    assert town.settings.thresholds("default").tick == TICK
    before = main_head(runner)
    with loop_process(runner, "refinery", "run", "demo") as refinery:
        eventually(lambda: first_tick_done(town, "dm-refinery"), timeout=60,
                   what="the refinery's first pass")  # fmt: skip
        filed = time.monotonic()
        _, mr = queued_mr(runner, town, "Lands without waiting a tick", tmp_path)
        eventually(lambda: rec.metadata_of(record(town, mr)).get("state") == "merged",
                   timeout=TICK * 0.6, what="the MR merged")  # fmt: skip
        waited = time.monotonic() - filed
        assert refinery.poll() is None, "the refinery is still running"
    assert main_head(runner) != before
    assert waited < TICK, f"taken after {waited:.1f} s: it waited for the tick"


def test_ready_work_is_dispatched_without_waiting_for_the_daemons_tick(
    quick_rig: tuple[TownRunner, Town],
) -> None:
    runner, town = quick_rig
    toml = town.paths.town_toml
    toml.write_text(toml.read_text().replace("auto_dispatch = false", "auto_dispatch = true"))
    assert Town(town.paths, environ=town.environ).settings.auto_dispatch
    with loop_process(runner, "daemon", "run"):
        eventually(lambda: first_tick_done(town, "hq-daemon"), timeout=60,
                   what="the daemon's first tick")  # fmt: skip
        bead = create_bead(runner, "Picked up at once")

        def hooked() -> bool:
            return record(town, bead)["status"] in {"hooked", "in_progress"}

        eventually(hooked, timeout=TICK * 0.6, what="the bead dispatched")
