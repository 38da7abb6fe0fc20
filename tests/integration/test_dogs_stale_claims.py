"""Dogs requeue a stale MR claim only if it is still that claim inside the write transaction:
an MR that a refinery run outside a session (`gt refinery run`) landed between Dogs' read and
Dogs' write stays merged (before, Dogs wrote `queued` over it: a closed MR back in the queue).
In-process town, real SQLite and git; the landing is slipped in with an audit hook at the
moment Dogs opens the writers' lock, before it takes it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine_town import open_town

from gastown_tui.core import merge_queue as mq
from gastown_tui.core import record as rec
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.refinery import queue_states
from gastown_tui.town.supervision.dogs import dogs_patrol
from gastown_tui.town.supervision.patrol_tick import PatrolTick
from gastown_tui.town.town import Town

_before_lock: list[Callable[[], None]] = []
_lock_paths: set[str] = set()


def _on_open(name: str, args: tuple[Any, ...]) -> None:
    if name == "open" and _before_lock and str(args[0]) in _lock_paths:
        _before_lock.pop()()


sys.addaudithook(_on_open)


def _stale_testing_mr(town: Town) -> str:
    with write_transaction(town.store, "demo/refinery") as tx:
        mr_id = tx.new_id("stale", infix="mr")
        ts = tx.stamp()
        tx.emit("create", mr_id, {"record": {
            "id": mr_id, "title": "Merge polecat/nux/de-0001", "issue_type": "merge-request",
            "status": "open", "priority": 2, "created_at": ts,
            "metadata": {"rig": "demo", "state": mq.TESTING, "branch": "polecat/nux/de-0001",
                         "claimed_at": "2030-01-01T11:00:00.000000Z"},  # an hour ago
        }}, ts)  # fmt: skip
    return mr_id


def test_a_claim_landed_meanwhile_is_not_requeued(
    engine_town_factory: Callable[..., Town], engine_env: dict[str, str]
) -> None:
    town = engine_town_factory()
    mr_id = _stale_testing_mr(town)
    refinery = open_town(town.paths.root, engine_env)

    def land() -> None:
        assert queue_states.finish_merged(refinery, "demo/refinery", "demo", mr_id, "0" * 40,
                                          "landed by gt refinery run")  # fmt: skip

    _lock_paths.add(str(Path(town.store.paths.lock)))
    _before_lock.append(land)
    try:
        findings = dogs_patrol(town, PatrolTick(1, town.clock.now().timestamp(), []))
    finally:
        _before_lock.clear()
        refinery.close()
    assert not _before_lock, "the landing happened while Dogs worked"
    town.store.projection.catch_up()
    mr = town.store.get(mr_id)
    assert mr is not None
    assert (mq.state_of(mr), rec.status_of(mr)) == (mq.MERGED, rec.CLOSED)
    assert [f for f in findings if f.get("action") == "requeued"] == []


def test_a_stale_claim_is_requeued(engine_town_factory: Callable[..., Town]) -> None:
    town = engine_town_factory()
    mr_id = _stale_testing_mr(town)
    findings = dogs_patrol(town, PatrolTick(1, town.clock.now().timestamp(), []))
    assert {"mr": mr_id, "action": "requeued", "reason": "stale claim"} in findings
    mr = town.store.get(mr_id)
    assert mr is not None and mq.state_of(mr) == mq.QUEUED
