"""Timestamps, ids, names, visible text, cycles and Go encoding."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from gastown_tui.core.display_text import strip_control, visible
from gastown_tui.core.graph_cycles import path_between, strongly_connected
from gastown_tui.core.ids import (
    InvalidNameError,
    branch_safe,
    check_name,
    id_prefix,
    new_bead_id,
    new_ulid,
)
from gastown_tui.core.timestamps import format_ts, from_micros, parse_ts, sort_key, to_micros
from gastown_tui.store.json_codec import go_encode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-08T23:07:13.34624+05:30", "2026-01-08T17:37:13.346240Z"),
        ("2026-05-20T12:12:24Z", "2026-05-20T12:12:24.000000Z"),
        ("2025-10-14T09:00:00.123456789-07:00", "2025-10-14T16:00:00.123456Z"),
        ("2026-01-01", "2026-01-01T00:00:00.000000Z"),
    ],
)
def test_sort_key_normalises_offsets_and_fractions(text: str, expected: str) -> None:
    assert sort_key(text) == expected


def test_parse_rejects_non_timestamps() -> None:
    assert parse_ts("yesterday") is None
    assert parse_ts("2026-13-01T00:00:00Z") is None
    assert sort_key(12) is None


def test_micros_round_trip_and_carry_over_seconds() -> None:
    micros = to_micros("2026-01-01T00:00:59.999999Z")
    assert from_micros(micros + 1) == "2026-01-01T00:01:00.000000Z"
    assert to_micros("2026-01-01T05:30:00+05:30") == to_micros("2026-01-01T00:00:00Z")
    assert format_ts(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000000Z"


def test_ulid_encodes_time_and_sorts_by_it() -> None:
    rng = random.Random(7)
    earlier = new_ulid(datetime(2026, 1, 1, tzinfo=UTC), rng)
    later = new_ulid(datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC), rng)
    assert len(earlier) == 26 and earlier < later
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    value = 0
    for char in earlier:
        value = value * 32 + alphabet.index(char)
    assert value >> 80 == int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000)


def test_bead_ids_grow_on_collision() -> None:
    taken: set[str] = set()
    rng = random.Random(1)
    for _ in range(300):
        taken.add(new_bead_id("gt", "same seed", rng, taken.__contains__))
    assert len(taken) == 300
    assert all(bead.startswith("gt-") and len(bead) >= 7 for bead in taken)
    mol = new_bead_id("gt", "x", rng, lambda _: False, infix="mol")
    assert mol.startswith("gt-mol-")


@pytest.mark.parametrize("name", ["../evil", "a:b", "-x", "Has Space", "a/b", "x" * 40, ""])
def test_bad_names_are_refused_with_a_reason(name: str) -> None:
    with pytest.raises(InvalidNameError) as error:
        check_name("rig", name)
    assert "rig name" in str(error.value)


def test_town_prefix_is_reserved_for_rigs() -> None:
    with pytest.raises(InvalidNameError, match="reserved"):
        check_name("rig", "hq")
    assert check_name("prefix", "hq", allow_town_prefix=True) == "hq"


@pytest.mark.parametrize(
    ("bead_id", "prefix"),
    [("gt-a1b2", "gt"), ("gt-mol-x9z", "gt"), ("molting-cli-357.1", "molting-cli"),
     ("agent network-0fi", "agent network"), ("bd-1", "bd")],
)  # fmt: skip
def test_id_prefix(bead_id: str, prefix: str) -> None:
    assert id_prefix(bead_id) == prefix


def test_branch_safe_ids() -> None:
    assert branch_safe("gt-a1b2") == "gt-a1b2"
    reduced = branch_safe("agent network-0fi/..x")
    assert reduced.startswith("agent-network-0fi-.x-") or reduced.startswith("agent-network-0fi")
    assert all(c.isalnum() or c in "._-" for c in reduced) and ".." not in reduced
    assert reduced != branch_safe("agent network-0fi/..y")


def test_visible_shows_control_characters() -> None:
    hostile = "a\x1b[31mred\x00\r\nnext\u2028"
    shown = visible(hostile)
    assert "\x1b" not in shown and "\x00" not in shown and "\r" not in shown
    assert shown == "a\\x1b[31mred\\x00\\x0d\\nnext\\u2028"
    assert visible("line1\nline2\ttab", keep_newlines=True) == "line1\nline2\ttab"
    assert strip_control("C-c\x1b[0m\nEnter") == "C-c[0mEnter"


def test_cycles_and_paths() -> None:
    edges = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["d"], "e": ["a"]}
    assert strongly_connected(edges) == [["a", "b", "c"], ["d"]]
    assert path_between(edges, "e", "c") == ["e", "a", "b", "c"]
    assert path_between(edges, "a", "e") is None


def test_go_encoding_escapes_like_go() -> None:
    record = {"title": "<b> & \u2028 ü", "id": "bd-1", "zzz_unknown": 1, "priority": 0}
    assert go_encode(record) == (
        b'{"id":"bd-1","title":"\\u003cb\\u003e \\u0026 \\u2028 \xc3\xbc","priority":0,'
        b'"zzz_unknown":1}'
    )


def test_an_agent_that_asked_for_help_is_waiting_not_stalled() -> None:
    from gastown_tui.core.agent_state import STALLED, WAITING, ZOMBIE, AgentFacts, agent_state

    quiet = AgentFacts(1, True, True, False, idle_seconds=10_000)
    assert agent_state(quiet, stalled_after=60) == STALLED
    asked = AgentFacts(1, True, True, False, idle_seconds=10_000, asked_for_help=True)
    assert agent_state(asked, stalled_after=60) == WAITING
    dead = AgentFacts(1, True, True, True, idle_seconds=10_000, asked_for_help=True)
    assert agent_state(dead, stalled_after=60) == ZOMBIE, "a dead pane is a zombie all the same"
