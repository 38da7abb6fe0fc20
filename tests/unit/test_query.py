"""Tests for the ``bd query`` filter language in gastown_tui.core.query."""

from __future__ import annotations

import pickle

import pytest

from gastown_tui.core.query import And, Compare, InList, Not, Or, QueryError, parse_query

RECORDS: list[dict[str, object]] = [
    {
        "id": "bd-1",
        "title": "Fix login bug",
        "status": "open",
        "priority": 1,
        "issue_type": "bug",
        "assignee": "gastown/polecats/nux",
        # 2026-01-08T17:37:13.34624Z
        "created_at": "2026-01-08T23:07:13.34624+05:30",
        "labels": ["ui", "p1"],
        "metadata": {"rig": "gastown", "score": 3, "owner": {"team": "core"}},
        "ephemeral": True,
    },
    {
        "id": "bd-2",
        "title": "Write docs",
        "status": "closed",
        "priority": 3,
        "issue_type": "task",
        "assignee": "gastown/crew/max",
        "created_at": "2025-12-31T23:30:00Z",
        # 2026-01-02T18:00:00Z
        "closed_at": "2026-01-02T10:00:00-08:00",
        "labels": ["docs"],
        "metadata": {"rig": "beads", "score": 10},
    },
    {
        "id": "bd-3",
        "title": 'Say "hello" world',
        "status": "in_progress",
        "priority": "P0",
        "issue_type": "feature",
        # 2026-01-08T16:00:00Z: earlier than bd-1 as an instant, later as a string
        "created_at": "2026-01-09T01:00:00+09:00",
        "labels": [],
        "ephemeral": False,
        "assignee": None,
    },
    # Every optional key missing: status open, type task, priority 0, no labels/metadata.
    {"id": "bd-4", "title": "untriaged"},
]

ALL = ["bd-1", "bd-2", "bd-3", "bd-4"]


def ids(query: str, records: list[dict[str, object]] = RECORDS) -> list[str]:
    parsed = parse_query(query)
    return [str(record["id"]) for record in records if parsed.matches(record)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status = open", ["bd-1", "bd-4"]),
        ("status == open", ["bd-1", "bd-4"]),
        ("status=open", ["bd-1", "bd-4"]),
        ("status != open", ["bd-2", "bd-3"]),
        ("status = in_progress", ["bd-3"]),
        ("status = OPEN", []),
        ("type = bug", ["bd-1"]),
        ("issue_type = task", ["bd-2", "bd-4"]),
        ("TYPE = feature", ["bd-3"]),
        ("id = bd-2", ["bd-2"]),
        ("assignee = gastown/polecats/nux", ["bd-1"]),
        ("assignee != gastown/polecats/nux", ["bd-2", "bd-3", "bd-4"]),
        ("assignee > gastown/d", ["bd-1"]),
        ("assignee < gastown/d", ["bd-2"]),
        ("assignee >= gastown/crew/max", ["bd-1", "bd-2"]),
        ("assignee <= gastown/crew/max", ["bd-2"]),
        ("title ~ login", ["bd-1"]),
        ("title ~ '^[A-Z][a-z]+ [a-z]+$'", ["bd-2"]),
        ("title ~ '(?i)^FIX'", ["bd-1"]),
        ("assignee ~ ^gastown/", ["bd-1", "bd-2"]),
        ("status in [open, closed]", ["bd-1", "bd-2", "bd-4"]),
        ("status not in [open, closed]", ["bd-3"]),
        ("type in [bug, 'feature']", ["bd-1", "bd-3"]),
        ("type NOT IN [bug, feature]", ["bd-2", "bd-4"]),
        ("id in [bd-4]", ["bd-4"]),
        ("id in []", []),
        ("id not in []", ALL),
    ],
)
def test_comparison_operators(query: str, expected: list[str]) -> None:
    assert ids(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("priority = 1", ["bd-1"]),
        ("priority <= 1", ["bd-1", "bd-3", "bd-4"]),
        ("priority < 1", ["bd-3", "bd-4"]),
        ("priority > 1", ["bd-2"]),
        ("priority >= 3", ["bd-2"]),
        ("priority != 0", ["bd-1", "bd-2"]),
        ("priority = P1", ["bd-1"]),
        ("priority = p0", ["bd-3", "bd-4"]),
        ("priority < P2", ["bd-1", "bd-3", "bd-4"]),
        ("priority in [P3, 1]", ["bd-1", "bd-2"]),
        ("priority = '3'", ["bd-2"]),
        # numeric, not lexicographic: "10" > "9" only as numbers
        ("metadata.score > 9", ["bd-2"]),
        ("metadata.score < 5", ["bd-1"]),
        ("metadata.score >= 3", ["bd-1", "bd-2"]),
        ("metadata.score = 3.0", ["bd-1"]),
    ],
)
def test_numeric_comparisons(query: str, expected: list[str]) -> None:
    assert ids(query) == expected


def test_float_and_huge_integer_values_compare_exactly() -> None:
    records: list[dict[str, object]] = [
        {"id": "a", "metadata": {"weight": 1.5, "big": 2**63 + 1}},
        {"id": "b", "metadata": {"weight": 0.25, "big": 2**63}},
    ]
    assert ids("metadata.weight = 1.50", records) == ["a"]
    assert ids("metadata.weight < 1", records) == ["b"]
    assert ids("metadata.big > 9223372036854775808", records) == ["a"]
    assert ids("metadata.big = 9223372036854775808", records) == ["b"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("label = ui", ["bd-1"]),
        ("labels = docs", ["bd-2"]),
        ("label = p1", ["bd-1"]),
        ("label = nope", []),
        ("label != ui", ["bd-2", "bd-3", "bd-4"]),
        ("label != nope", ALL),
        ("label ~ '^p[0-9]$'", ["bd-1"]),
        ("label ~ o", ["bd-2"]),
        ("label in [docs, p1]", ["bd-1", "bd-2"]),
        ("label not in [docs, p1]", ["bd-3", "bd-4"]),
        ("not label = ui", ["bd-2", "bd-3", "bd-4"]),
        ("label = ui and label = p1", ["bd-1"]),
        ("label = ui and label = docs", []),
    ],
)
def test_label_membership(query: str, expected: list[str]) -> None:
    assert ids(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("metadata.rig = gastown", ["bd-1"]),
        ("metadata.rig != gastown", ["bd-2", "bd-3", "bd-4"]),
        ("metadata.rig ~ s$", ["bd-2"]),
        ("metadata.rig in [beads, other]", ["bd-2"]),
        ("metadata.owner.team = core", ["bd-1"]),
        ("metadata.owner.team != core", ["bd-2", "bd-3", "bd-4"]),
        ("metadata.rig.deeper = x", []),
        ("metadata.missing = x", []),
        ("metadata.missing != x", ALL),
    ],
)
def test_metadata_paths(query: str, expected: list[str]) -> None:
    assert ids(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # missing (or null) non-defaulted fields: = false, != true, orderings false
        ("assignee = x", []),
        ("assignee != x", ALL),
        ("assignee > a", ["bd-1", "bd-2"]),
        ("assignee < zzz", ["bd-1", "bd-2"]),
        ("assignee ~ .", ["bd-1", "bd-2"]),
        ("assignee in [x, gastown/crew/max]", ["bd-2"]),
        ("assignee not in [x, gastown/crew/max]", ["bd-1", "bd-3", "bd-4"]),
        ("closed_at >= 2000-01-01", ["bd-2"]),
        ("closed_at < 2100-01-01", ["bd-2"]),
        ("nonexistent = ''", []),
        ("nonexistent != ''", ALL),
    ],
)
def test_missing_fields(query: str, expected: list[str]) -> None:
    assert ids(query) == expected


def test_defaults_apply_to_an_empty_record() -> None:
    empty: dict[str, object] = {}
    assert parse_query("status = open").matches(empty)
    assert parse_query("type = task").matches(empty)
    assert parse_query("priority = 0").matches(empty)
    assert parse_query("label != anything").matches(empty)
    assert not parse_query("label = anything").matches(empty)
    assert not parse_query("status = closed").matches(empty)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ephemeral = true", ["bd-1"]),
        ("ephemeral = TRUE", ["bd-1"]),
        ("ephemeral = false", ["bd-3"]),
        ("ephemeral != true", ["bd-2", "bd-3", "bd-4"]),
        ("ephemeral ~ ^tr", ["bd-1"]),
    ],
)
def test_booleans(query: str, expected: list[str]) -> None:
    assert ids(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("created_at >= 2026-01-01", ["bd-1", "bd-3"]),
        ("created_at < 2026-01-01", ["bd-2"]),
        ("created_at < 2026-01-01T00:00:00+01:00", []),
        ("created_at <= 2026-01-01T00:30:00+01:00", ["bd-2"]),
        # bd-3 is 2026-01-09T01:00+09:00 == 2026-01-08T16:00Z: earlier as an instant
        ("created_at < 2026-01-08T17:00:00Z", ["bd-2", "bd-3"]),
        ("created_at > 2026-01-08T17:00:00Z", ["bd-1"]),
        ("created_at = 2026-01-08T16:00:00Z", ["bd-3"]),
        ("created_at = '2026-01-08 11:00:00-05:00'", ["bd-3"]),
        ("created_at = 2026-01-08T17:37:13.346240000Z", ["bd-1"]),
        ("created_at = 2026-01-08T17:37:13.34624z", ["bd-1"]),
        ("created_at > 2026-01-08T17:37:13.346239999Z", ["bd-1"]),
        ("created_at >= 2026-01-08T17:37:13.346240001Z", []),
        ("closed_at = 2026-01-03T03:00:00+09:00", ["bd-2"]),
        ("closed_at <= 2026-01-02T17:59:59Z", []),
        ("closed_at < 2026-01-02T18:00:00.000000001Z", ["bd-2"]),
        ("closed_at > 2026-01-02", ["bd-2"]),
        ("closed_at < 2026-01-03", ["bd-2"]),
        ("closed_at != 2026-01-02T18:00:00Z", ["bd-1", "bd-3", "bd-4"]),
        ("created_at ~ ^2025", ["bd-2"]),
    ],
)
def test_timestamps_compare_as_instants(query: str, expected: list[str]) -> None:
    assert ids(query) == expected


def test_any_rfc3339_value_compares_as_instant() -> None:
    records: list[dict[str, object]] = [
        {"id": "a", "metadata": {"seen": "2026-03-01T00:30:00+02:00"}},  # 2026-02-28T22:30Z
        {"id": "b", "metadata": {"seen": "2026-02-28T23:00:00Z"}},
    ]
    assert ids("metadata.seen < 2026-02-28T23:00:00Z", records) == ["a"]
    assert ids("metadata.seen >= '2026-02-28T23:00:00+00:00'", records) == ["b"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # and binds tighter than or
        ("status = closed or status = open and priority = 1", ["bd-1", "bd-2"]),
        ("(status = closed or status = open) and priority = 1", ["bd-1"]),
        ("status = open and priority = 1 or status = closed", ["bd-1", "bd-2"]),
        ("status = open and (priority = 1 or status = closed)", ["bd-1"]),
        # not binds tighter than and
        ("not status = open and priority = 0", ["bd-3"]),
        ("not (status = open and priority = 0)", ["bd-1", "bd-2", "bd-3"]),
        ("not status = open or priority = 0", ["bd-2", "bd-3", "bd-4"]),
        ("not not status = open", ["bd-1", "bd-4"]),
        ("NOT status = open", ["bd-2", "bd-3"]),
        ("status = open OR status = closed", ["bd-1", "bd-2", "bd-4"]),
        ("status = open AnD priority = 0", ["bd-4"]),
        ("((status = open))", ["bd-1", "bd-4"]),
        ("(type = bug or type = task) and not (label = docs)", ["bd-1", "bd-4"]),
        ("id=bd-1 or(id=bd-3)", ["bd-1", "bd-3"]),
    ],
)
def test_boolean_logic_and_precedence(query: str, expected: list[str]) -> None:
    assert ids(query) == expected


def test_precedence_shapes_the_tree() -> None:
    expr = parse_query("not a = 1 and b = 2 or c = 3").expr
    assert expr == Or(
        (And((Not(Compare("a", "=", "1")), Compare("b", "=", "2"))), Compare("c", "=", "3"))
    )
    assert parse_query("type not in [x, 'y z']").expr == InList("issue_type", ("x", "y z"), True)
    assert parse_query("Label = x").expr == Compare("labels", "=", "x")


@pytest.mark.parametrize(
    ("query", "value"),
    [
        (r'title = "Say \"hello\" world"', 'Say "hello" world'),
        (r"title = 'it\'s'", "it's"),
        (r"title = 'a\tb\nc\\d'", "a\tb\nc\\d"),
        ("title = 'with  two  spaces'", "with  two  spaces"),
        ('title = "and or not in ( ) [ ] , = ~"', "and or not in ( ) [ ] , = ~"),
        (r"title ~ '\d+'", r"\d+"),
        ("title = ''", ""),
        ("id = bd-a1b2", "bd-a1b2"),
        ("assignee = gastown/polecats/nux", "gastown/polecats/nux"),
        ("priority = -1", "-1"),
    ],
)
def test_values_and_escapes(query: str, value: str) -> None:
    expr = parse_query(query).expr
    assert isinstance(expr, Compare)
    assert expr.value == value


def test_quoted_strings_match_records() -> None:
    assert ids(r'title = "Say \"hello\" world"') == ["bd-3"]
    assert ids("title = 'Say \"hello\" world'") == ["bd-3"]
    assert ids("title = 'Fix login bug'") == ["bd-1"]
    assert ids("title ~ 'login bug'") == ["bd-1"]
    assert ids(r"title ~ '\"hello\"'") == ["bd-3"]
    assert ids("title = 'Fix login'") == []


def test_query_is_a_hashable_value_and_filters() -> None:
    first, second = parse_query("status = open"), parse_query("status = open")
    assert first == second
    assert hash(first) == hash(second)
    assert [record["id"] for record in first.filter(RECORDS)] == ["bd-1", "bd-4"]


def test_long_or_chain_does_not_recurse() -> None:
    query = " or ".join(f"id = bd-{n}" for n in range(5000))
    assert ids(query) == ALL


def test_deep_nesting_is_a_query_error() -> None:
    with pytest.raises(QueryError) as info:
        parse_query("(" * 5000 + "a = 1" + ")" * 5000)
    assert info.value.column == 1


@pytest.mark.parametrize(
    ("query", "column", "message"),
    [
        ("", 1, "empty query"),
        ("   ", 1, "empty query"),
        ('status = "open', 10, "unterminated string"),
        ("title = 'it\\'s", 9, "unterminated string"),
        ("status = open and", 18, "expected field name or '(', found end of query"),
        ("(status = open", 15, "missing ')' to close '(' at column 1"),
        ("a = 1 and (b = 2 or (c = 3)", 28, "missing ')' to close '(' at column 11"),
        ("(a = 1 ]", 8, "expected ')', found ']'"),
        ("label in [a, b", 15, "missing ']' to close '[' at column 10"),
        ("label in [a b]", 13, "expected ',' or ']', found 'b'"),
        ("label in [a, ]", 14, "expected value, found ']'"),
        ("label in a, b]", 10, "expected '[' after 'in', found 'a'"),
        ("status => open", 8, "unknown operator '=>'"),
        ("status =! open", 8, "unknown operator '=!'"),
        ("title = wow!", 12, "unknown operator '!'"),
        ("status = open closed", 15, "expected 'and', 'or' or end of query, found 'closed'"),
        ("status = open)", 14, "expected 'and', 'or' or end of query, found ')'"),
        ("status open", 8, "expected operator after field 'status', found 'open'"),
        ("status", 7, "expected operator after field 'status', found end of query"),
        ("status not open", 12, "expected 'in' after 'not', found 'open'"),
        ("status = ", 10, "expected value, found end of query"),
        ("status = and", 10, "expected value, found keyword 'and'"),
        ("status = (x)", 10, "expected value, found '('"),
        (") or a = 1", 1, "expected field name or '(', found ')'"),
        ("a = 1 or or b = 2", 10, "expected field name or '(', found keyword 'or'"),
        ("'status' = open", 1, "expected field name or '(', found string \"status\""),
        ("1abc = x", 1, "invalid field name '1abc'"),
        ("metadata..x = 1", 1, "invalid field name 'metadata..x'"),
        ("title ~ '('", 9, "invalid regex: missing ), unterminated subpattern"),
        ("a = 1 and title ~ [x", 19, "expected value, found '['"),
        ("created_at > yesterday", 14, "invalid timestamp 'yesterday'"),
        ("closed_at <= 2026-13-01", 14, "invalid timestamp '2026-13-01'"),
        ("priority < high", 12, "invalid priority 'high'"),
        ("priority in [1, urgent]", 17, "invalid priority 'urgent'"),
        ("not", 4, "expected field name or '(', found end of query"),
        ("()", 2, "expected field name or '(', found ')'"),
    ],
)
def test_error_columns(query: str, column: int, message: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(query)
    assert info.value.column == column
    assert info.value.message.startswith(message)


def test_error_rendering() -> None:
    with pytest.raises(QueryError) as info:
        parse_query("status => open")
    assert str(info.value) == "query:1:8: unknown operator '=>'\nstatus => open\n       ^"
    assert isinstance(info.value, ValueError)


def test_error_rendering_keeps_caret_aligned_with_tabs() -> None:
    with pytest.raises(QueryError) as info:
        parse_query("a = 1\tand")
    lines = str(info.value).split("\n")
    assert lines[0] == "query:1:10: expected field name or '(', found end of query"
    assert lines[1] == "a = 1 and"
    assert lines[2] == " " * 9 + "^"


def test_error_at_end_points_past_last_character() -> None:
    with pytest.raises(QueryError) as info:
        parse_query("(a = 1")
    rendered = str(info.value)
    assert rendered.endswith("(a = 1\n      ^")


def test_query_error_pickles() -> None:
    error = QueryError("boom", 3, "a b c")
    clone = pickle.loads(pickle.dumps(error))
    assert (clone.message, clone.column, clone.text) == ("boom", 3, "a b c")
    assert str(clone) == str(error)
