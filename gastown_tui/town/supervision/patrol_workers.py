"""Patrols as workers of the daemon, each on its own thread with its own heartbeat.

Every tick the daemon reads tmux once and hands the snapshot to each patrol. A patrol that
stops beating (wedged on a hung git call, a lock, a bug) is retired by Boot, and replaced by a
new generation once its thread has ended: the wedged thread exits by itself when its pass
returns, since its generation is gone, and no two passes of one patrol ever run at once.
A pass that found something writes one `patrol` event (the patrol, the tick number, its
findings); a pass that found nothing writes none, only the patrol's heartbeat in
`.runtime/heartbeats/` (DESIGN §4): a quiet town must not grow its git-tracked log every tick.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable
from functools import partial
from typing import Any

from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.heartbeats import write_heartbeat
from gastown_tui.town.supervision.convoy_patrol import convoy_patrol
from gastown_tui.town.supervision.deacon import deacon_patrol
from gastown_tui.town.supervision.dispatch import dispatch_patrol
from gastown_tui.town.supervision.dogs import dogs_patrol
from gastown_tui.town.supervision.patrol_tick import PatrolTick
from gastown_tui.town.supervision.progress_tracker import ProgressTracker
from gastown_tui.town.supervision.witness import WitnessMemory, witness_patrol
from gastown_tui.town.town import Town

PATROLS = ("deacon", "witness", "dispatch", "dogs", "convoys")
WEDGE_ENV = "GT_FAULT"


class TickBoard:
    """The latest tick, published by the daemon and awaited by the patrols."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._latest: PatrolTick | None = None
        self.stopping = False

    def publish(self, tick: PatrolTick) -> None:
        with self._condition:
            self._latest = tick
            self._condition.notify_all()

    def stop(self) -> None:
        with self._condition:
            self.stopping = True
            self._condition.notify_all()

    def wait_after(self, number: int, timeout: float = 1.0) -> PatrolTick | None:
        with self._condition:
            if self._latest is None or self._latest.number <= number:
                self._condition.wait(timeout)
            latest = self._latest
        return latest if latest is not None and latest.number > number else None


def _wedged(name: str, generation: int) -> bool:
    """`GT_FAULT=patrol.<name>.wedge`: the first generation of that patrol hangs in its first
    pass until Boot retires it (a stuck call that returns once it is given up on)."""
    faults = {part.strip() for part in os.environ.get(WEDGE_ENV, "").split(",")}
    return generation == 1 and f"patrol.{name}.wedge" in faults


class PatrolWorker:
    def __init__(self, name: str, generation: int, open_town: Callable[[], Town],
                 board: TickBoard, current: Callable[[str], int]) -> None:  # fmt: skip
        self.name = name
        self.generation = generation
        self.open_town = open_town
        self.board = board
        self.current = current
        self.beat = time.monotonic()
        self.last_tick = 0
        self.thread = threading.Thread(target=self._loop, daemon=True,
                                       name=f"patrol-{name}-{generation}")  # fmt: skip

    def start(self) -> PatrolWorker:
        self.thread.start()
        return self

    def alive(self) -> bool:
        return self.current(self.name) == self.generation and not self.board.stopping

    def _loop(self) -> None:
        town = self.open_town()
        tracker = ProgressTracker()
        memories: dict[str, WitnessMemory] = {}
        try:
            while self.alive():
                tick = self.board.wait_after(self.last_tick)
                if tick is None:
                    continue
                self.beat = time.monotonic()  # taking a tick is a sign of life too
                if _wedged(self.name, self.generation):
                    while self.alive():
                        time.sleep(0.2)
                    return
                self._pass(town, tick, tracker, memories)
                self.last_tick = tick.number
                self.beat = time.monotonic()
                write_heartbeat(town, f"patrol-{self.name}", tick.number)
        finally:
            town.close()

    def _pass(self, town: Town, tick: PatrolTick, tracker: ProgressTracker,
              memories: dict[str, WitnessMemory]) -> None:  # fmt: skip
        town.store.projection.catch_up()
        town.forget_rigs()
        if self.name == "witness":
            for rig in town.rigs().values():
                memory = memories.setdefault(rig.name, WitnessMemory())
                findings = self._guarded(partial(witness_patrol, town, rig, memory, tick))
                record_patrol(town, f"{rig.name}/witness", "witness", tick.number, findings,
                              rig=rig.name)  # fmt: skip
            return
        run: Callable[[], list[dict[str, Any]]] = {
            "deacon": lambda: deacon_patrol(town, tracker, tick),
            "dispatch": lambda: dispatch_patrol(town, tick),
            "dogs": lambda: dogs_patrol(town, tick),
            "convoys": lambda: convoy_patrol(town, tick),
        }[self.name]
        record_patrol(town, "deacon", self.name, tick.number, self._guarded(run))

    def _guarded(self, run: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """A failing pass is a finding, not the end of the patrol."""
        try:
            return run()
        except Exception as error:
            traceback.print_exc()
            return [{"error": f"{type(error).__name__}: {error}"}]


def record_patrol(town: Town, actor: str, patrol: str, tick: int,
                  findings: list[dict[str, Any]], **extra: Any) -> None:  # fmt: skip
    """One `patrol` event for a pass with findings; nothing for a pass without."""
    if not findings:
        return
    with write_transaction(town.store, actor) as tx:
        tx.emit("patrol", "", {"patrol": patrol, "tick": tick, "findings": findings, **extra})
