"""Dogs' merged-branch cleanup costs one git call per rig and pass, however many MRs have
landed: it lists the polecat branches once instead of asking git about every merged MR every
tick (a town that landed 2,000 MRs ran 2,000 git processes per tick). In-process town, real git,
real SQLite; git processes are counted with an audit hook on subprocess creation.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from gastown_tui.core import merge_queue as mq
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.supervision.dogs import dogs_patrol
from gastown_tui.town.supervision.patrol_tick import PatrolTick
from gastown_tui.town.town import Town

_counting: list[list[str]] = []


def _count_git(name: str, args: tuple[Any, ...]) -> None:
    if name == "subprocess.Popen" and _counting:
        argv = [str(part) for part in args[1]] if isinstance(args[1], list | tuple) else []
        if argv[:1] == ["git"]:
            _counting[-1].append(" ".join(argv[:3]))


sys.addaudithook(_count_git)


@contextmanager
def git_calls() -> Iterator[list[str]]:
    calls: list[str] = []
    _counting.append(calls)
    try:
        yield calls
    finally:
        _counting.remove(calls)


def _merged_mrs(town: Town, count: int) -> list[str]:
    branches = []
    with write_transaction(town.store, "demo/refinery") as tx:
        for n in range(count):
            branch = f"polecat/nux/de-{n:04d}"
            mr_id = tx.new_id(f"mr {n}", infix="mr")
            ts = tx.stamp()
            tx.emit("create", mr_id, {"record": {
                "id": mr_id, "title": f"Merge {branch}", "issue_type": "merge-request",
                "status": "closed", "priority": 2, "created_at": ts, "closed_at": ts,
                "metadata": {"rig": "demo", "state": mq.MERGED, "branch": branch},
            }}, ts)  # fmt: skip
            branches.append(branch)
    return branches


def test_dogs_find_merged_branches_with_one_git_call_per_pass(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    landed = _merged_mrs(town, 40)
    repository = town.paths.repo_git("demo")
    kept = "polecat/nux/de-9999"  # a live polecat's branch: no merged MR names it
    for branch in (landed[3], landed[17], kept):
        subprocess.run(["git", "-C", str(repository), "branch", branch, "main"], check=True)
    tick = PatrolTick(1, town.clock.now().timestamp(), [])
    with git_calls() as calls:
        found = dogs_patrol(town, tick)
    assert sorted(f["branch"] for f in found if f.get("action") == "deleted") == [
        landed[3],
        landed[17],
    ]
    assert len(calls) <= 3, calls  # one listing and the two deletions, not 40 look-ups
    with git_calls() as calls:
        assert dogs_patrol(town, PatrolTick(2, tick.now, [])) == []
    assert len(calls) <= 1, calls
    listed = subprocess.run(["git", "-C", str(repository), "branch", "--list", "polecat/*"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert listed.split() == [kept]
