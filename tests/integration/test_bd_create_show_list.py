"""`bd init`, `bd create`, `bd show`, `bd list` through the real command line.

Every test checks the `--json` output and the events the command appended to
`.beads/events.jsonl` (or that a refused command appended none).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bd_helpers import only_event, refused

if TYPE_CHECKING:
    from conftest import BdRunner

COMPUTED = ("dependency_count", "dependent_count", "comment_count", "parent")
ESC = b"\x1b"


def stored(view: dict[str, Any]) -> dict[str, Any]:
    """A `--json` record without the keys computed for output."""
    return {key: value for key, value in view.items() if key not in COMPUTED}


def ids(result: Any) -> list[str]:
    return [item["id"] for item in result]


# --- init -------------------------------------------------------------------------------------


def test_init_with_prefix_reports_path_and_prefix(bd_factory: Callable[[str], BdRunner]) -> None:
    runner = bd_factory("fresh")
    out = runner("init", "--prefix", "web-app", "--json").json()
    assert out == {"path": str(runner.beads_dir), "prefix": "web-app", "imported": 0}
    assert (runner.beads_dir / "events.jsonl").exists()
    assert runner.events() == []
    created = runner("create", "first", "--json").json()
    assert created["id"].startswith("web-app-")
    event = only_event(runner, 0)
    assert (event["op"], event["bead"], event["v"]) == ("create", created["id"], 1)


def test_init_without_prefix_uses_directory_name(bd_factory: Callable[[str], BdRunner]) -> None:
    runner = bd_factory("myproj")
    out = runner("init", "--json").json()
    assert out["prefix"] == "myproj"
    assert out["imported"] == 0
    text = runner("init", "--prefix", "myproj", check=False)
    assert text.returncode == 0


def test_init_refuses_invalid_prefixes(bd_factory: Callable[[str], BdRunner]) -> None:
    runner = bd_factory("badprefix")
    for prefix in ("Bad", "a/b", "a..b", "a:b", "a b", "9lives"):
        result = runner("init", "--prefix", prefix, "--json", check=False)
        assert result.returncode == 1, (prefix, result.stderr)
        assert result.stderr.startswith("bd: prefix name"), result.stderr
        assert "--prefix" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""
        assert not runner.beads_dir.exists(), f"init --prefix {prefix!r} created a store"


def test_init_refuses_an_explicitly_empty_prefix(bd_factory: Callable[[str], BdRunner]) -> None:
    """`--prefix ''` is an invalid prefix, not a request for the directory's name."""
    runner = bd_factory("emptyprefix")
    result = runner("init", "--prefix", "", "--json", check=False)
    assert result.returncode == 1, result.stdout
    assert "prefix name is empty" in result.stderr
    assert not runner.beads_dir.exists()


def test_init_refuses_a_directory_name_that_is_not_a_valid_prefix(
    bd_factory: Callable[[str], BdRunner],
) -> None:
    runner = bd_factory("my project")
    result = runner("init", check=False)
    assert result.returncode == 1
    assert "choose one with --prefix" in result.stderr
    assert not runner.beads_dir.exists()


def test_init_imports_an_existing_issues_jsonl(bd_factory: Callable[[str], BdRunner]) -> None:
    runner = bd_factory("legacy")
    runner.beads_dir.mkdir()
    records = [
        {"id": "old-1", "title": "first", "status": "open", "priority": 1, "issue_type": "bug",
         "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z",
         "labels": ["a"], "custom_key": {"kept": True}},
        {"id": "old-2", "title": "second", "status": "closed", "priority": 3,
         "issue_type": "task", "created_at": "2025-01-02T00:00:00Z",
         "updated_at": "2025-01-02T00:00:00Z", "closed_at": "2025-01-03T00:00:00Z"},
    ]  # fmt: skip
    lines = "".join(json.dumps(record, separators=(",", ":")) + "\n" for record in records)
    (runner.beads_dir / "issues.jsonl").write_text(lines)

    out = runner("init", "--prefix", "old", "--json").json()
    assert out == {"path": str(runner.beads_dir), "prefix": "old", "imported": 2}
    events = runner.events()
    assert [(e["op"], e["bead"], e["actor"]) for e in events] == [
        ("import", "old-1", "overseer"),
        ("import", "old-2", "overseer"),
    ]
    assert [e["data"]["record"] for e in events] == records

    listed = runner("list", "--all", "--json").json()
    assert ids(listed) == ["old-1", "old-2"]
    assert listed[0]["custom_key"] == {"kept": True}
    assert listed[1]["closed_at"] == "2025-01-03T00:00:00Z"

    again = runner("init", "--prefix", "old", "--json").json()
    assert again["imported"] == 0
    assert len(runner.events()) == 2, "a second init must not import again"


# --- create -----------------------------------------------------------------------------------


def test_create_with_defaults(bd: BdRunner) -> None:
    n = len(bd.events())
    out = bd("create", "hello world", "--json").json()
    assert list(out) == [
        "id", "title", "status", "priority", "issue_type", "created_at", "created_by",
        "updated_at", "dependency_count", "dependent_count", "comment_count",
    ]  # fmt: skip
    assert out["id"].startswith("t-") and len(out["id"]) >= 6
    assert out["title"] == "hello world"
    assert (out["status"], out["priority"], out["issue_type"]) == ("open", 2, "task")
    assert out["created_by"] == "overseer"
    assert out["created_at"] == out["updated_at"] and out["created_at"].endswith("Z")
    assert (out["dependency_count"], out["dependent_count"], out["comment_count"]) == (0, 0, 0)

    event = only_event(bd, n)
    assert (event["op"], event["bead"], event["actor"]) == ("create", out["id"], "overseer")
    assert event["ts"] == out["created_at"]
    assert event["data"] == {"record": stored(out)}


def test_create_with_every_field_flag(bd: BdRunner) -> None:
    n = len(bd.events())
    out = bd(
        "create", "full bead", "-d", "the description", "-t", "bug", "-p", "P1",
        "-l", "beta,alpha", "-l", "gamma", "--rig", "gastown", "--assignee", "bob",
        "--design", "the design", "--acceptance", "it works", "--notes", "some notes",
        "--actor", "alice", "--json",
    ).json()  # fmt: skip
    expected = {
        "title": "full bead", "description": "the description", "design": "the design",
        "acceptance_criteria": "it works", "notes": "some notes", "status": "open",
        "priority": 1, "issue_type": "bug", "assignee": "bob", "created_by": "alice",
        "metadata": {"rig": "gastown"}, "labels": ["alpha", "beta", "gamma"],
    }  # fmt: skip
    for key, value in expected.items():
        assert out[key] == value, key
    event = only_event(bd, n)
    assert (event["op"], event["bead"], event["actor"]) == ("create", out["id"], "alice")
    assert event["data"]["record"] == stored(out)

    assert ids(bd("list", "--rig", "gastown", "--json").json()) == [out["id"]]
    shown = bd("show", out["id"], "--json").json()[0]
    assert stored(shown) == stored(out)


def test_create_short_assignee_flag_and_bd_actor_env(bd: BdRunner) -> None:
    n = len(bd.events())
    out = bd("create", "x", "-a", "carol", "--json", actor="gastown/polecats/nux").json()
    assert out["assignee"] == "carol"
    assert out["created_by"] == "gastown/polecats/nux"
    event = only_event(bd, n)
    assert event["actor"] == "gastown/polecats/nux"
    assert event["data"]["record"]["assignee"] == "carol"


def test_create_priority_accepts_number_and_p_forms(bd: BdRunner) -> None:
    n = len(bd.events())
    got = []
    for given in ("0", "P1", "p2", "3", "P4"):
        got.append(bd("create", f"prio {given}", "-p", given, "--json").json()["priority"])
    assert got == [0, 1, 2, 3, 4]
    assert [e["data"]["record"]["priority"] for e in bd.new_events(n)] == [0, 1, 2, 3, 4]


def test_create_refuses_an_invalid_priority_with_usage_exit(bd: BdRunner) -> None:
    for given in ("5", "P9", "high", "-1"):
        stderr = refused(bd, "create", "bad prio", "-p", given, "--json", code=2)
        assert "priority" in stderr, stderr


def test_create_labels_are_repeatable_comma_separated_and_deduplicated(bd: BdRunner) -> None:
    n = len(bd.events())
    out = bd("create", "labelled", "-l", "b,a", "-l", "c", "-l", " a , d ", "--json").json()
    assert out["labels"] == ["a", "b", "c", "d"]
    assert only_event(bd, n)["data"]["record"]["labels"] == ["a", "b", "c", "d"]


def test_create_with_parent_and_typed_deps(bd: BdRunner) -> None:
    epic = bd("create", "epic", "-t", "epic", "--id", "t-epic", "--json").json()["id"]
    first = bd("create", "first", "--id", "t-one", "--json").json()["id"]
    second = bd("create", "second", "--id", "t-two", "--json").json()["id"]
    n = len(bd.events())
    out = bd(
        "create", "child", "--parent", epic, "--deps", first,
        "--deps", f"discovered-from:{second},related:{first}", "--actor", "mayor", "--json",
    ).json()  # fmt: skip
    assert out["parent"] == epic
    assert out["dependency_count"] == 4
    expected = {
        (first, "blocks"), (second, "discovered-from"), (first, "related"), (epic, "parent-child"),
    }  # fmt: skip
    # The output links the issues (as the real CLI's create --json does); the log keeps edges.
    assert {(d["id"], d["dependency_type"]) for d in out["dependencies"]} == expected
    event = only_event(bd, n)
    assert (event["op"], event["bead"], event["actor"]) == ("create", out["id"], "mayor")
    stored_deps = event["data"]["record"]["dependencies"]
    assert {(d["depends_on_id"], d["type"]) for d in stored_deps} == expected
    for dep in stored_deps:
        assert dep["issue_id"] == out["id"]
        assert dep["created_by"] == "mayor"
        assert dep["created_at"] == out["created_at"]
    assert {k: v for k, v in event["data"]["record"].items() if k != "dependencies"} == {
        k: v for k, v in stored(out).items() if k != "dependencies"
    }

    shown = {view["id"]: view for view in bd("show", epic, first, "--json").json()}
    assert [(d["id"], d["dependency_type"]) for d in shown[epic]["dependents"]] == [
        (out["id"], "parent-child")
    ]
    assert shown[epic]["dependent_count"] == 1
    assert sorted((d["id"], d["dependency_type"]) for d in shown[first]["dependents"]) == [
        (out["id"], "blocks"),
        (out["id"], "related"),
    ]
    ready = ids(bd("ready", "--json").json())
    assert out["id"] not in ready and first in ready


def test_create_refuses_unknown_parent_or_dependency(bd: BdRunner) -> None:
    real = bd("create", "real", "--json").json()["id"]
    assert "no bead 't-nope'" in refused(bd, "create", "orphan", "--parent", "t-nope", "--json")
    assert "no bead 't-nope'" in refused(bd, "create", "x", "--deps", "related:t-nope")
    assert "t-nope" in refused(bd, "create", "x", "--deps", f"{real},t-nope", "--json")
    bd("delete", real)
    assert "deleted" in refused(bd, "create", "x", "--parent", real, "--json")
    assert "deleted" in refused(bd, "create", "x", "--deps", real)


def test_create_with_explicit_id_and_duplicate_refused(bd: BdRunner) -> None:
    n = len(bd.events())
    out = bd("create", "chosen", "--id", "t-custom.1", "--json").json()
    assert out["id"] == "t-custom.1"
    event = only_event(bd, n)
    assert (event["bead"], event["data"]["record"]["id"]) == ("t-custom.1", "t-custom.1")
    stderr = refused(bd, "create", "again", "--id", "t-custom.1", "--json")
    assert "already exists" in stderr
    assert bd("show", "t-custom.1", "--json").json()[0]["title"] == "chosen"


def test_create_refuses_invalid_ids(bd: BdRunner) -> None:
    for bad in ("t-a/b", "t-a..b", "t-a:b", "t-a b", "nodash", "-t-x"):
        stderr = refused(bd, "create", "bad id", f"--id={bad}", "--json", code=2)
        assert f"id {bad!r} is not valid" in stderr, stderr
        assert "no '/', '..', ':' or spaces" in stderr
    assert bd("list", "--all", "--json").json() == []


def test_create_refuses_an_id_with_an_empty_suffix(bd: BdRunner) -> None:
    """`t-` has no suffix after its prefix: the `<prefix>-<suffix>` rule the error states."""
    stderr = refused(bd, "create", "bad id", "--id", "t-", "--json", code=2)
    assert "id 't-' is not valid" in stderr


def test_create_refuses_an_explicitly_empty_id(bd: BdRunner) -> None:
    """`--id ''` is an invalid id, not a request for a generated one."""
    stderr = refused(bd, "create", "bad id", "--id", "", "--json", code=2)
    assert "id '' is not valid" in stderr


def test_create_title_from_file_and_from_stdin(bd: BdRunner, tmp_path: Any) -> None:
    title = "nul\x00 and esc \x1b[31m and é"
    path = tmp_path / "title.txt"
    path.write_bytes(title.encode())
    n = len(bd.events())
    from_file = bd("create", "--title-file", str(path), "--json").json()
    assert from_file["title"] == title
    assert b"\\u0000" in bd("show", from_file["id"], "--json").stdout_bytes
    from_stdin = bd("create", "--title-file", "-", "--json", input=b"piped \x00title")
    assert from_stdin.json()["title"] == "piped \x00title"
    events = bd.new_events(n)
    assert [e["data"]["record"]["title"] for e in events] == [title, "piped \x00title"]
    assert [e["op"] for e in events] == ["create", "create"]


def test_create_refuses_missing_title_or_unreadable_title_file(bd: BdRunner, tmp_path: Any) -> None:
    assert "title is required" in refused(bd, "create", "--json", code=2)
    assert "title is required" in refused(bd, "create", "   ", code=2)
    assert "cannot read title" in refused(bd, "create", "--title-file", str(tmp_path / "nope"))
    latin = tmp_path / "latin1.txt"
    latin.write_bytes(b"caf\xe9")
    assert "not UTF-8" in refused(bd, "create", "--title-file", str(latin), "--json")


def test_create_description_from_stdin(bd: BdRunner) -> None:
    body = "line one\nline two\x00after nul\n"
    n = len(bd.events())
    out = bd("create", "with body", "--stdin", "--json", input=body.encode()).json()
    assert out["description"] == body
    assert only_event(bd, n)["data"]["record"]["description"] == body


def test_text_output_shows_control_characters_visibly(bd: BdRunner) -> None:
    title = "\x1b[31mred\x07 title"
    n = len(bd.events())
    created = bd("create", title, "-d", "desc \x1b]0;pwned\x07", "--id", "t-esc")
    assert ESC not in created.stdout_bytes and b"\x07" not in created.stdout_bytes
    assert created.stdout.strip() == "created t-esc"
    assert only_event(bd, n)["data"]["record"]["title"] == title

    shown = bd("show", "t-esc")
    assert ESC not in shown.stdout_bytes and b"\x07" not in shown.stdout_bytes
    assert "\\x1b[31mred\\x07 title" in shown.stdout
    assert "desc \\x1b]0;pwned\\x07" in shown.stdout

    listed = bd("list")
    assert ESC not in listed.stdout_bytes
    assert "t-esc" in listed.stdout and "\\x1b[31mred\\x07 title" in listed.stdout

    exact = bd("show", "t-esc", "--json").json()[0]
    assert exact["title"] == title


# --- show -------------------------------------------------------------------------------------


def test_show_one_and_several_in_the_order_given(bd: BdRunner) -> None:
    a = bd("create", "alpha", "--id", "t-a", "--json").json()
    bd("create", "beta", "--id", "t-b", "-p", "0")
    n = len(bd.events())
    one = bd("show", "t-a", "--json").json()
    assert isinstance(one, list) and len(one) == 1
    assert one[0] == a
    assert ids(bd("show", "t-b", "t-a", "--json").json()) == ["t-b", "t-a"]
    assert ids(bd("show", "t-a", "t-b", "--json").json()) == ["t-a", "t-b"]
    assert bd.new_events(n) == [], "show must not log anything"
    text = bd("show", "t-a", "t-b").stdout
    assert "t-a" in text and "alpha" in text and "t-b" in text and "[P0]" in text


def test_show_unknown_or_deleted_exits_1(bd: BdRunner) -> None:
    bd("create", "alpha", "--id", "t-a")
    assert "no bead 't-nope'" in refused(bd, "show", "t-nope", "--json")
    partly = bd("show", "t-a", "t-nope", "--json")  # the found ones, as the real CLI does
    assert [view["id"] for view in partly.json()] == ["t-a"]
    assert "Issue t-nope not found" in partly.stderr
    bd("delete", "t-a")
    assert "deleted" in refused(bd, "show", "t-a", "--json")
    assert "deleted" in refused(bd, "show", "t-a")


# --- list -------------------------------------------------------------------------------------


def _record(bead_id: str, kind: str, prio: int, status: str = "open", **extra: Any) -> str:
    record = {"id": bead_id, "title": bead_id, "status": status, "priority": prio,
              "issue_type": kind, "created_at": "2025-01-01T00:00:00Z",
              "updated_at": "2025-01-01T00:00:00Z", **extra}  # fmt: skip
    return json.dumps(record) + "\n"


def test_list_filters(bd: BdRunner, tmp_path: Any) -> None:
    source = tmp_path / "setup.jsonl"
    source.write_text(
        _record("t-a", "bug", 0, assignee="alice", labels=["x", "y"], metadata={"rig": "r1"})
        + _record("t-b", "task", 1, assignee="bob", labels=["x"], metadata={"rig": "r2"})
        + _record("t-c", "feature", 2, "in_progress", labels=["y"])
        + _record("t-d", "task", 3, "closed", closed_at="2025-01-02T00:00:00Z")
        + _record("u-e", "task", 4)
    )
    bd("import", str(source))
    n = len(bd.events())

    def listed(*flags: str) -> list[str]:
        return ids(bd("list", *flags, "--json").json())

    assert listed() == ["t-a", "t-b", "t-c", "u-e"]
    assert listed("--all") == ["t-a", "t-b", "t-c", "t-d", "u-e"]
    assert listed("-s", "closed") == ["t-d"]
    assert listed("--status", "in_progress", "-s", "closed") == ["t-c", "t-d"]
    assert listed("--type", "bug", "-t", "feature") == ["t-a", "t-c"]
    assert listed("-t", "task", "--all") == ["t-b", "t-d", "u-e"]
    assert listed("-a", "alice") == ["t-a"]
    assert listed("--assignee", "bob") == ["t-b"]
    assert listed("-l", "x") == ["t-a", "t-b"]
    assert listed("-l", "x", "--label", "y") == ["t-a"]
    assert listed("-l", "y,x") == ["t-a"]
    assert listed("-p", "0") == ["t-a"]
    assert listed("--priority", "P1", "-p", "2") == ["t-b", "t-c"]
    assert listed("--rig", "r1") == ["t-a"]
    assert listed("--rig", "t", "--all") == ["t-c", "t-d"], "no metadata.rig: rig by id prefix"
    assert listed("-n", "2") == ["t-a", "t-b"]
    assert listed("--limit", "1", "--all", "-s", "closed") == ["t-d"]
    assert listed("-l", "x", "-t", "task", "-p", "1", "-a", "bob", "--rig", "r2") == ["t-b"]
    assert bd.new_events(n) == [], "list must not log anything"

    first = bd("list", "-a", "alice", "--json").json()[0]
    assert first["labels"] == ["x", "y"] and first["metadata"] == {"rig": "r1"}
    assert (first["issue_type"], first["priority"], first["assignee"]) == ("bug", 0, "alice")
    assert (first["dependency_count"], first["comment_count"]) == (0, 0)


def test_list_refuses_an_invalid_priority(bd: BdRunner) -> None:
    assert "priority" in refused(bd, "list", "-p", "7", "--json", code=2)


def test_list_text_output(bd: BdRunner) -> None:
    assert bd("list").stdout.strip() == "(none)"
    bd("create", "visible one", "--id", "t-v", "-p", "1", "-a", "zed")
    line = bd("list").stdout.strip()
    assert line.startswith("t-v") and "[P1]" in line and "@zed" in line and "visible one" in line
