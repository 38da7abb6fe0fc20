"""Boot never runs two of one patrol at once: a patrol stuck in its pass is retired, and its
successor starts only after the stuck thread has ended (before, Boot started the successor
while the old pass still ran, so two Witnesses or two Deacons could act on the same polecat).
The daemon runs in-process on a real town (real git, SQLite, tmux socket); a patrol's threads
are named `patrol-<name>-<generation>`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import orjson
import pytest

from gastown_tui.town.supervision.daemon_loop import run_daemon
from gastown_tui.town.town import Town


def test_a_stuck_patrol_is_retired_and_replaced_only_after_its_thread_ends(
    engine_town_factory: Callable[..., Town], monkeypatch: pytest.MonkeyPatch
) -> None:
    town = engine_town_factory()
    monkeypatch.setenv("GT_FAULT", "patrol.witness.wedge")  # its first pass hangs until retired
    running: list[list[str]] = []

    def on_tick(_: int) -> None:  # right after Boot, every tick
        running.append(sorted(thread.name for thread in threading.enumerate()
                              if thread.name.startswith("patrol-witness-")))  # fmt: skip

    # The test profile: 0.25 s ticks, a heartbeat stale after 2 s; 24 ticks is 6 s.
    run_daemon(town, ticks=24, on_tick=on_tick)
    assert max(len(names) for names in running) == 1, running
    assert running[-1] == ["patrol-witness-2"], running
    town.store.projection.catch_up()
    boot = [finding for line in town.store.paths.events.read_bytes().splitlines()
            for event in [orjson.loads(line)]
            if event["op"] == "patrol" and event["data"]["patrol"] == "boot"
            for finding in event["data"]["findings"]]  # fmt: skip
    assert [(f.get("retired"), f.get("restarted"), f["generation"]) for f in boot] == [
        ("witness", None, 1),
        (None, "witness", 2),
    ], boot
