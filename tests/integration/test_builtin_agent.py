"""The builtin runtime in-process: its tools stay in the worktree, its loop is bounded, failures
escalate, usage is recorded, and the key shows up nowhere.

The real SDK talks to a local Messages API server (tests/messages_api_server.py); the town is
real (tmux, git, SQLite). The end-to-end run in a pane is in test_builtin_session_e2e.py.
"""

from __future__ import annotations

import json
import os
import queue
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anthropic
import pytest
from engine_town import new_bead
from messages_api_server import (
    Body,
    MessagesApiServer,
    Reply,
    end_turn,
    failure,
    serving,
    tool_turn,
)

from gastown_tui.runtime.agent_tools import WorktreeTools
from gastown_tui.town.read_model.snapshot import town_snapshot
from gastown_tui.town.setup.rigs import add_rig
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.builtin_session import SessionReport, run_builtin_session
from gastown_tui.town.work.sling import sling

KEY = "sk-ant-test-0123456789-SECRET"
MODEL = "claude-sonnet-5-5"


def test_tools_refuse_every_way_out_of_the_worktree(tmp_path: Path) -> None:
    worktree, outside = tmp_path / "worktree", tmp_path / "outside"
    worktree.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("not yours\n")
    (worktree / "notes.txt").write_text("mine\n")
    (worktree / "escape").symlink_to(outside)
    (worktree / "escape.txt").symlink_to(outside / "secret.txt")
    tools = WorktreeTools(worktree, {"PATH": os.environ["PATH"]})
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("read_file", {"path": "../outside/secret.txt"}),
        ("read_file", {"path": str(outside / "secret.txt")}),
        ("read_file", {"path": "escape.txt"}),
        ("read_file", {"path": "escape/secret.txt"}),
        ("write_file", {"path": "escape/new.txt", "content": "x"}),
        ("write_file", {"path": "sub/../../outside/new.txt", "content": "x"}),
        ("list_dir", {"path": "escape"}),
        ("list_dir", {"path": "/"}),
    ]
    for name, arguments in attempts:
        result = tools.call(name, arguments)
        assert result.is_error and "refused" in result.text, (name, arguments, result)
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    # Inside is fine, by a relative or an absolute path.
    assert tools.call("read_file", {"path": str(worktree / "notes.txt")}).text == "mine\n"
    written = tools.call("write_file", {"path": "src/new.py", "content": "x = 1\n"})
    assert not written.is_error and (worktree / "src" / "new.py").read_text() == "x = 1\n"
    assert tools.call("list_dir", {"path": "."}).text.splitlines() == [
        "escape/", "escape.txt", "notes.txt", "src/"]  # fmt: skip


def test_run_is_in_the_worktree_without_the_key_and_stops_at_its_timeout(tmp_path: Path) -> None:
    tools = WorktreeTools(tmp_path, {"PATH": os.environ["PATH"], "ANTHROPIC_API_KEY": KEY,
                                     "ANTHROPIC_BASE_URL": "http://x"})  # fmt: skip
    shown = tools.call("run", {"command": "pwd; env"})
    assert not shown.is_error and shown.text.splitlines()[:2] == ["exit code 0", str(tmp_path)]
    assert "ANTHROPIC_BASE_URL=http://x" in shown.text and KEY not in shown.text
    failed = tools.call("run", {"command": "echo broken >&2; exit 3"})
    assert failed.is_error and failed.text == "exit code 3\nbroken\n"
    slow = tools.call("run", {"command": "echo started; sleep 30; echo never", "timeout": 1})
    assert slow.is_error and slow.text.startswith("timed out after 1s")
    assert "started" in slow.text and "never" not in slow.text


def _hooked_town(
    engine_town_factory: Callable[..., Town], variables: dict[str, str]
) -> tuple[Town, str, str]:
    """A town whose polecat holds a bead (its own pane runs a hanging sim): (town, bead, agent)."""
    town = engine_town_factory()
    bead = new_bead(town, "Tidy the calculator", "demo")
    slung = sling(town, bead, "demo", formula="mol-polecat-work",
                  variables={"sim.mode": "hang", **variables}, runtime="sim", force=False,
                  actor="overseer")  # fmt: skip
    return town, bead, slung.agent


def _session(
    town: Town,
    bead: str,
    agent: str,
    api: MessagesApiServer,
    delays: list[float],
    inbox: queue.Queue[str] | None = None,
    answers: tuple[str, ...] = (),
) -> tuple[SessionReport, list[str]]:
    said: list[str] = []
    waiting = list(answers)

    def client(**options: Any) -> anthropic.Anthropic:
        return anthropic.Anthropic(base_url=api.base_url, api_key=KEY, **options)

    report = run_builtin_session(
        town, agent, bead, MODEL, town.paths.polecat("demo", agent.rsplit("/", 1)[1]),
        said.append, make_client=client, sleep=delays.append, inbox=inbox,
        next_answer=lambda: waiting.pop(0) if waiting else None,
    )  # fmt: skip
    return report, said


def _log_text(town: Town) -> str:
    return town.paths.beads.joinpath("events.jsonl").read_text(encoding="utf-8")


def _ops(town: Town, op: str) -> list[dict[str, Any]]:
    lines = _log_text(town).splitlines()
    return [e for e in map(json.loads, filter(None, lines)) if e["op"] == op]


def test_api_errors_are_retried_a_bounded_number_of_times_then_escalated(
    engine_town_factory: Callable[..., Town],
) -> None:
    town, bead, agent = _hooked_town(engine_town_factory, {})
    delays: list[float] = []
    with serving([failure(500)] * 10) as api:
        report, said = _session(town, bead, agent, api, delays)
    # The default bound: four retries after the first attempt, the backoff doubling.
    assert len(api.requests) == 5 and delays == [2.0, 4.0, 8.0, 16.0]
    assert {api.sent_key(i) for i in range(5)} == {KEY}
    assert report.outcome is not None and report.outcome.status == "api_failed"
    assert "failed after 5 attempt(s)" in report.outcome.detail and report.usage == []
    (escalated,) = [e for e in _ops(town, "escalate") if e["bead"] == bead]
    assert escalated["data"]["severity"] == "HIGH" and escalated["actor"] == agent
    assert escalated["data"]["escalation"] == report.escalation
    problem = town.store.get(str(report.escalation))
    assert problem is not None and "failed after 5 attempt(s)" in problem["title"]
    assert _ops(town, "usage") == []
    assert KEY not in "\n".join(said) and KEY not in _log_text(town)


def test_a_client_error_is_not_retried(engine_town_factory: Callable[..., Town]) -> None:
    town, bead, agent = _hooked_town(engine_town_factory, {})
    delays: list[float] = []
    with serving([failure(400, "bad request")]) as api:
        report, _ = _session(town, bead, agent, api, delays)
    assert len(api.requests) == 1 and delays == []
    assert report.outcome is not None and report.outcome.status == "api_failed"
    assert report.escalation is not None


def test_the_turn_limit_stops_the_loop_records_usage_and_escalates(
    engine_town_factory: Callable[..., Town],
) -> None:
    town, bead, agent = _hooked_town(engine_town_factory, {"builtin.max_turns": "2"})
    looping = [tool_turn([("list_dir", {"path": "."})], (1000, 100))] * 5
    with serving(looping) as api:
        report, said = _session(town, bead, agent, api, [])
    assert len(api.requests) == 2, "the third call is never made"
    assert api.requests[0]["model"] == MODEL and api.requests[0]["messages"][0]["role"] == "user"
    assert f"Bead {bead}" in api.requests[0]["messages"][0]["content"][0]["text"]
    # The prompt cache: a breakpoint on the system prompt and on the newest block only.
    assert api.requests[1]["system"][0]["cache_control"] == {"type": "ephemeral"}
    marked = [(m["role"], b["type"]) for m in api.requests[1]["messages"]
              for b in m["content"] if isinstance(b, dict) and "cache_control" in b]  # fmt: skip
    assert marked == [("user", "tool_result")]
    (listing,) = api.tool_results(1)
    assert "README.md" in listing["content"] and listing["is_error"] is False
    assert report.outcome is not None and report.outcome.status == "turn_limit"
    (usage,) = _ops(town, "usage")
    assert usage["bead"] == bead and usage["actor"] == agent
    assert usage["data"] == {
        "agent": agent, "session": f"de-{agent.rsplit('/', 1)[1]}", "model": MODEL,
        "input_tokens": 2000, "output_tokens": 200, "cost_usd": 0.006, "bead": bead, "rig": "demo",
    }  # fmt: skip
    (escalated,) = [e for e in _ops(town, "escalate") if e["bead"] == bead]
    assert escalated["data"]["severity"] == "HIGH"
    assert "reached the limit of 2 turns" in str(town.store.get(str(report.escalation)))
    assert any("> list_dir ." in line for line in said)


def test_the_token_limit_stops_the_loop(engine_town_factory: Callable[..., Town]) -> None:
    town, bead, agent = _hooked_town(engine_town_factory, {"builtin.max_tokens": "1500"})
    # 1000 fresh input tokens, 100 output, 400 written to the cache and 600 read from it.
    with serving([tool_turn([("list_dir", {"path": "."})], (1000, 100, 400, 600))] * 5) as api:
        report, _ = _session(town, bead, agent, api, [])
    assert len(api.requests) == 1 and report.outcome is not None
    assert report.outcome.status == "token_limit" and "used 2100 tokens" in report.outcome.detail
    (usage,) = report.usage
    assert (usage["input_tokens"], usage["output_tokens"]) == (2000, 100)
    assert usage["cost_usd"] == 0.00412  # (1000 + 400 x 1.25 + 600 x 0.1) x $2/M + 100 x $10/M


def test_nudges_reach_the_model_and_an_answer_resumes_a_stopped_session(
    engine_town_factory: Callable[..., Town],
) -> None:
    town, bead, agent = _hooked_town(engine_town_factory, {"builtin.max_turns": "2"})
    inbox: queue.Queue[str] = queue.Queue()

    def nudged(body: Body) -> Reply:
        inbox.put("Deacon: no progress for 300s")
        return tool_turn([("list_dir", {"path": "."})], (1000, 100))

    script = [nudged, tool_turn([("read_file", {"path": "README.md"})], (1000, 100)),
              end_turn("Understood, stopping here.", (50, 5))]  # fmt: skip
    with serving(script) as api:
        report, said = _session(town, bead, agent, api, [], inbox, ("Carry on, it was a test",))
    assert len(api.requests) == 3
    # The nudge went with the tool results of the next request; the answer with the third.
    second = api.requests[1]["messages"][-1]["content"]
    assert [b["type"] for b in second] == ["tool_result", "text"]
    assert second[1]["text"].endswith("a nudge from the town or the operator): Deacon: no "
                                      "progress for 300s")  # fmt: skip
    third = api.requests[2]["messages"][-1]["content"]
    assert [b["type"] for b in third] == ["tool_result", "text"]
    assert third[1]["text"].endswith(": Carry on, it was a test")
    # Usage recorded per stretch of work, never twice; one open question, asked once.
    assert [(u["input_tokens"], u["output_tokens"]) for u in report.usage] == [(2000, 200),
                                                                              (50, 5)]  # fmt: skip
    assert [e["data"]["input_tokens"] for e in _ops(town, "usage")] == [2000, 50]
    assert len([e for e in _ops(town, "escalate") if e["bead"] == bead]) == 1
    assert report.outcome is not None and report.outcome.status == "end_turn"
    assert any("ended its turn" in line for line in said)


def test_a_missing_key_is_the_rigs_runtime_problem_and_sling_refuses(
    engine_town_factory: Callable[..., Town], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    town = engine_town_factory()
    source = town.rig("demo").source
    town.environ.pop("ANTHROPIC_API_KEY", None)
    add_rig(town, "api", source, prefix="ap", gates={}, runtime="builtin", actor="overseer")
    town._rigs = None  # read rig.toml again
    problems = {rig.name: rig.runtime_problem for rig in town_snapshot(town).rigs}
    assert problems["demo"] is None
    assert problems["api"] is not None and "needs ANTHROPIC_API_KEY" in problems["api"]
    bead = new_bead(town, "Needs the API", "api")
    with pytest.raises(TownError, match="needs ANTHROPIC_API_KEY"):
        sling(town, bead, "api", formula="mol-polecat-work", variables={}, runtime=None,
              force=False, actor="overseer")  # fmt: skip
    town.environ["ANTHROPIC_API_KEY"] = KEY
    problems = {rig.name: rig.runtime_problem for rig in town_snapshot(town).rigs}
    assert problems["api"] is None


def test_a_hang_up_during_a_log_write_waits_for_the_write() -> None:
    from gastown_tui.town.work import builtin_session

    previous = signal.signal(signal.SIGHUP, builtin_session._hang_up)
    written: list[str] = []
    try:
        with pytest.raises(SystemExit) as ended, builtin_session._unbroken():
            os.kill(os.getpid(), signal.SIGHUP)
            written.append("the whole usage event")
        assert ended.value.code == 128 + signal.SIGHUP and written == ["the whole usage event"]
        with pytest.raises(SystemExit):  # outside a write, at once
            os.kill(os.getpid(), signal.SIGHUP)
            written.append("never")
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert written == ["the whole usage event"]
