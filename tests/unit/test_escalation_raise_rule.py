"""The automatic raise of stale escalations (DESIGN §6) and the triage order, on a fixed clock.

The pure rule first, then the daemon's step (`raise_due_escalations`) against a real store in
tmp_path whose clock only moves when the test says so: no sleeps.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gastown_tui.core.clock import FixedClock
from gastown_tui.core.escalation_rules import (
    can_raise,
    due_for_raise,
    severity_or_default,
    triage_key,
)
from gastown_tui.core.town_settings import town_toml_text
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.town.comms.escalation_triage import (
    ack_escalation,
    due_escalations,
    raise_due_escalations,
    raise_escalation,
    raise_started_at,
)
from gastown_tui.town.comms.escalations import escalate, triage_order
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.town_paths import TownPaths

T0 = datetime(2026, 1, 1, tzinfo=UTC)
STALE = 4 * 3600.0


def due(severity: str = "MEDIUM", *, acked: bool = False, raises: int = 0, after: float = STALE,
        limit: int = 2) -> bool:  # fmt: skip
    return due_for_raise(severity, acked, raises, T0, T0 + timedelta(seconds=after), STALE, limit)


def test_the_rule_waits_for_the_stale_threshold() -> None:
    assert not due(after=0)
    assert not due(after=STALE - 0.001)
    assert due(after=STALE) and due(after=STALE * 10)


def test_the_rule_never_raises_an_acknowledged_or_critical_one() -> None:
    assert not due(acked=True, after=STALE * 100)
    assert not due("CRITICAL", after=STALE * 100)
    assert all(due(severity) for severity in ("LOW", "MEDIUM", "HIGH"))
    assert not can_raise("CRITICAL") and can_raise("low")


def test_the_rule_raises_at_most_max_reescalations_times() -> None:
    assert due(raises=0) and due(raises=1)
    assert not due(raises=2) and not due(raises=5)
    assert due(raises=2, limit=3) and not due(raises=0, limit=0)


def test_severity_falls_back_to_the_priority_then_medium() -> None:
    assert severity_or_default(" high ") == "HIGH"
    assert severity_or_default("URGENT", 0) == "CRITICAL"
    assert severity_or_default(None, 3) == "LOW"
    assert severity_or_default(None, None) == "MEDIUM"


def test_triage_key_orders_unacked_then_severity_then_age() -> None:
    keys = {
        "acked-critical": triage_key(False, True, "CRITICAL", "2026-01-01", "hq-a"),
        "new-low-old": triage_key(False, False, "LOW", "2026-01-01", "hq-b"),
        "new-high-new": triage_key(False, False, "HIGH", "2026-01-03", "hq-c"),
        "new-high-old": triage_key(False, False, "HIGH", "2026-01-02", "hq-d"),
        "resolved-critical": triage_key(True, False, "CRITICAL", "2026-01-01", "hq-e"),
    }
    assert sorted(keys, key=keys.__getitem__) == [
        "new-high-old", "new-high-new", "new-low-old", "acked-critical", "resolved-critical",
    ]  # fmt: skip


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def small_town(tmp_path: Path, clock: FixedClock) -> Town:
    """A town without rigs on the `test` profile (escalation stale after 5 s, two raises)."""
    root = tmp_path / "town"
    root.mkdir()
    (root / "town.toml").write_text(town_toml_text("t", "test"), encoding="utf-8")
    BeadsStore.initialize(root / ".beads", "hq").close()
    return Town(TownPaths(root), clock=clock, rng=random.Random(3),
                environ={"GT_TMUX_SOCKET": "unused", "GT_PROFILE": "test"})  # fmt: skip


def events(town: Town) -> list[dict[str, Any]]:
    lines = town.store.paths.events.read_bytes().splitlines()
    return [json.loads(line) for line in lines]


def severity(town: Town, escalation: str) -> tuple[str, int, int]:
    record = town.store.get(escalation)
    assert record is not None
    metadata = record["metadata"]
    return metadata["severity"], metadata["reescalations"], record["priority"]


def test_the_daemon_raises_a_stale_one_twice_and_then_stops(
    small_town: Town, clock: FixedClock
) -> None:
    town = small_town
    stale = town.thresholds.escalation_stale
    assert stale == 5 and town.thresholds.max_reescalations == 2
    escalation = str(escalate(town, "LOW", "who owns this?", "demo/polecats/nux")["id"])
    clock.advance(stale - 0.5)
    assert raise_due_escalations(town, "deacon") == [] and due_escalations(town) == []
    clock.advance(0.5)
    assert raise_due_escalations(town, "deacon") == [{
        "escalation": escalation, "action": "raised", "from": "LOW", "severity": "MEDIUM",
        "reescalations": 1}]  # fmt: skip
    assert severity(town, escalation) == ("MEDIUM", 1, 2)
    record = town.store.get(escalation)
    assert record is not None and record["metadata"]["original_severity"] == "LOW"
    # The stale clock restarts at the raise.
    assert raise_started_at(record) == clock.now()
    clock.advance(stale - 0.5)
    assert raise_due_escalations(town, "deacon") == []
    clock.advance(0.5)
    assert [f["severity"] for f in raise_due_escalations(town, "deacon")] == ["HIGH"]
    clock.advance(stale * 100)
    assert raise_due_escalations(town, "deacon") == []  # twice at most, never CRITICAL here
    assert severity(town, escalation) == ("HIGH", 2, 1)
    raises = [e for e in events(town) if e["op"] == "raise"]
    assert [(e["data"]["from"], e["data"]["severity"], e["data"]["automatic"], e["actor"])
            for e in raises] == [("LOW", "MEDIUM", True, "deacon"),
                                 ("MEDIUM", "HIGH", True, "deacon")]  # fmt: skip
    # Each raise re-routes: MEDIUM mails the mayor, HIGH the mayor and the overseer.
    mail = [e["data"]["record"]["assignee"] for e in events(town)
            if e["op"] == "create" and e["data"]["record"]["issue_type"] == "message"]  # fmt: skip
    assert mail == ["mayor", "mayor", "overseer"]


def test_the_daemon_never_raises_an_acknowledged_one(small_town: Town, clock: FixedClock) -> None:
    town = small_town
    quiet = str(escalate(town, "MEDIUM", "seen it", "mayor")["id"])
    loud = str(escalate(town, "HIGH", "nobody looked", "mayor")["id"])
    ack_escalation(town, quiet, "overseer", "on it")
    clock.advance(town.thresholds.escalation_stale * 10)
    assert [f["escalation"] for f in raise_due_escalations(town, "deacon")] == [loud]
    assert severity(town, quiet) == ("MEDIUM", 0, 2)
    assert severity(town, loud) == ("CRITICAL", 1, 0)


def test_an_automatic_raise_that_is_no_longer_due_does_nothing(
    small_town: Town, clock: FixedClock
) -> None:
    town = small_town
    escalation = str(escalate(town, "MEDIUM", "race", "mayor")["id"])
    clock.advance(town.thresholds.escalation_stale)
    assert [r["id"] for r in due_escalations(town)] == [escalation]
    ack_escalation(town, escalation, "overseer")  # lands between the daemon's look and raise
    before = events(town)
    assert raise_escalation(town, escalation, "deacon", automatic=True)["metadata"][
        "severity"] == "MEDIUM"  # fmt: skip
    assert events(town) == before


def test_a_manual_raise_counts_and_critical_is_the_ceiling(small_town: Town) -> None:
    town = small_town
    escalation = str(escalate(town, "HIGH", "now", "mayor")["id"])
    raise_escalation(town, escalation, "overseer")  # no stale wait: the operator decides
    assert severity(town, escalation) == ("CRITICAL", 1, 0)
    before = events(town)
    with pytest.raises(TownError, match="already CRITICAL"):
        raise_escalation(town, escalation, "overseer")
    assert events(town) == before


def test_triage_order_of_stored_escalations(small_town: Town, clock: FixedClock) -> None:
    town = small_town
    made = {}
    for name, level in (("low", "LOW"), ("high", "HIGH"), ("high2", "HIGH"), ("crit", "CRITICAL")):
        made[name] = escalate(town, level, name, "mayor")
        clock.advance(1)
    ack_escalation(town, str(made["crit"]["id"]), "overseer")
    stored = [town.store.get(str(r["id"])) for r in made.values()]
    ordered = triage_order([r for r in stored if r is not None])
    assert [r["title"] for r in ordered] == ["high", "high2", "low", "crit"]


def test_the_deacon_patrol_raises_through_the_same_rule(
    small_town: Town, clock: FixedClock
) -> None:
    from gastown_tui.town.supervision.deacon import deacon_patrol
    from gastown_tui.town.supervision.patrol_tick import PatrolTick
    from gastown_tui.town.supervision.progress_tracker import ProgressTracker

    town = small_town
    escalation = str(escalate(town, "MEDIUM", "stuck on a flaky gate", "mayor")["id"])
    tracker = ProgressTracker()
    raised_in: list[list[dict[str, Any]]] = []
    for tick in range(1, 5):
        clock.advance(town.thresholds.escalation_stale)
        found = deacon_patrol(town, tracker, PatrolTick(tick, clock.now().timestamp(), []))
        raised_in.append([f for f in found if f.get("escalation") == escalation])
    assert [len(found) for found in raised_in] == [1, 1, 0, 0]
    assert [found[0]["severity"] for found in raised_in[:2]] == ["HIGH", "CRITICAL"]
