"""Usage events: the price table, `record_usage`, and a claude session's usage read from its
Claude Code transcript when it runs `gt done` (in-process, real town, git and tmux)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine_town import new_bead

from gastown_tui.town.costs.claude_transcripts import project_folder
from gastown_tui.town.costs.model_prices import cost_usd, price_of
from gastown_tui.town.costs.usage_recording import USAGE_KEYS, record_usage
from gastown_tui.town.town import Town
from gastown_tui.town.work.respawn import respawn
from gastown_tui.town.work.sling import sling
from gastown_tui.town.work.work_done import done


def _usage_events(town: Town) -> list[dict[str, Any]]:
    lines = town.paths.beads.joinpath("events.jsonl").read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, filter(None, lines)) if e["op"] == "usage"]


def test_prices_match_model_families_and_unknown_models_cost_nothing() -> None:
    assert price_of("claude-sonnet-4-5-20250929") == price_of("claude-sonnet-4-5")
    assert price_of("claude-opus-4-5") != price_of("claude-opus-4")  # the longest key wins
    assert price_of("claude-sonnet-45") is None and price_of("gpt-4") is None
    # 1M in + 1M out on sonnet: $3 + $15; cache writes at 1.25x, reads at 0.1x the input price.
    assert cost_usd("claude-sonnet-4-5", 1_000_000, 1_000_000) == 18.0
    assert cost_usd("claude-sonnet-5-5", 1_000_000, 1_000_000) == 12.0, "not Sonnet 5's family"
    assert cost_usd("claude-sonnet-4-5", 0, 0, 1_000_000, 1_000_000) == 3.75 + 0.3
    assert cost_usd("mystery-model", 10**9, 10**9) == 0.0


def test_record_usage_writes_exactly_the_documented_keys(
    engine_town_factory: Callable[..., Town],
) -> None:
    town = engine_town_factory()
    bead = new_bead(town, "Counted", "demo")
    data = record_usage(town.store, "demo/polecats/nux", "de-nux", "claude-haiku-4-5", 1200,
                        300, 0.0027, bead, "demo")  # fmt: skip
    (event,) = _usage_events(town)
    assert tuple(event["data"]) == USAGE_KEYS and event["data"] == data
    assert event["bead"] == bead and event["actor"] == "demo/polecats/nux"
    assert data["input_tokens"] == 1200 and data["cost_usd"] == 0.0027


def _transcript_lines(old: str, new: str) -> list[str]:
    def assistant(ts: str, message_id: str, usage: dict[str, int]) -> str:
        return json.dumps(
            {
                "type": "assistant",
                "timestamp": ts,
                "message": {
                    "id": message_id,
                    "model": "claude-opus-4-5",
                    "role": "assistant",
                    "usage": usage,
                },
            }
        )

    first = {"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 1000,
             "cache_read_input_tokens": 0}  # fmt: skip
    second = {"input_tokens": 20, "output_tokens": 7, "cache_read_input_tokens": 1000}
    return [
        assistant(old, "msg_before", {"input_tokens": 999, "output_tokens": 999}),  # earlier
        json.dumps({"type": "user", "timestamp": new, "message": {"role": "user"}}),
        assistant(new, "msg_1", first),
        assistant(new, "msg_1", first),  # a second content block of the same response
        "{not json",
        assistant(new, "msg_2", second),
    ]


def _claude_town(engine_town_factory: Callable[..., Town], tmp_path: Path) -> Town:
    """A town whose PATH has a stand-in `claude` (it only waits): sling --runtime claude works."""
    town = engine_town_factory()
    fake_bin = tmp_path / "fake-bin"
    fake_bin.mkdir()
    (fake_bin / "claude").write_text("#!/bin/sh\nsleep 60\n")
    (fake_bin / "claude").chmod(0o755)
    town.environ["PATH"] = f"{fake_bin}:{town.environ['PATH']}"
    return town


def test_a_claude_session_records_its_transcript_usage_at_gt_done(
    engine_town_factory: Callable[..., Town], tmp_path: Path
) -> None:
    town = _claude_town(engine_town_factory, tmp_path)
    bead = new_bead(town, "Work for Claude", "demo")
    slung = sling(town, bead, "demo", formula="mol-polecat-work", variables={},
                  runtime="claude", force=False, actor="overseer")  # fmt: skip
    worktree = town.paths.polecat("demo", slung.polecat)
    started = town.store.get(bead)["metadata"]["started_at"]  # type: ignore[index]
    folder = project_folder(Path(town.environ["HOME"]), worktree)
    folder.mkdir(parents=True)
    (folder / "session-uuid.jsonl").write_text(
        "\n".join(_transcript_lines("2020-01-01T00:00:00Z", started)) + "\n"
    )
    (worktree / "work.txt").write_text("by claude\n")
    subprocess.run(["git", "add", "-A"], cwd=worktree, check=True)
    subprocess.run(["git", "commit", "-qm", "work"], cwd=worktree, check=True)
    result = done(town, slung.agent, None, slung.agent, worktree)
    assert "recorded the session's token usage from its Claude transcript" in result.steps
    (event,) = _usage_events(town)
    assert event["data"] == {
        "agent": slung.agent, "session": f"de-{slung.polecat}", "model": "claude-opus-4-5",
        "input_tokens": 10 + 1000 + 20 + 1000, "output_tokens": 12,
        "cost_usd": cost_usd("claude-opus-4-5", 30, 12, 1000, 1000), "bead": bead,
        "rig": "demo",
    }  # fmt: skip
    assert event["data"]["cost_usd"] == 0.0072  # (30 + 1250 + 100) x $5/M + 12 x $25/M


def test_a_claude_session_without_a_transcript_records_nothing(
    engine_town_factory: Callable[..., Town], tmp_path: Path
) -> None:
    town = _claude_town(engine_town_factory, tmp_path)
    bead = new_bead(town, "No transcript", "demo")
    slung = sling(town, bead, "demo", formula="mol-polecat-work", variables={},
                  runtime="claude", force=False, actor="overseer")  # fmt: skip
    worktree = town.paths.polecat("demo", slung.polecat)
    (worktree / "work.txt").write_text("by claude\n")
    result = done(town, slung.agent, None, slung.agent, worktree)
    assert result.mr and _usage_events(town) == []


def test_a_respawned_claude_session_records_what_it_spent(
    engine_town_factory: Callable[..., Town], tmp_path: Path
) -> None:
    town = _claude_town(engine_town_factory, tmp_path)
    bead = new_bead(town, "Stuck Claude", "demo")
    slung = sling(town, bead, "demo", formula="mol-polecat-work", variables={},
                  runtime="claude", force=False, actor="overseer")  # fmt: skip
    worktree = town.paths.polecat("demo", slung.polecat)
    started = town.store.get(bead)["metadata"]["started_at"]  # type: ignore[index]
    folder = project_folder(Path(town.environ["HOME"]), worktree)
    folder.mkdir(parents=True)
    (folder / "s.jsonl").write_text("\n".join(_transcript_lines(started, started)) + "\n")
    fresh = respawn(town, town.rig("demo"), slung.polecat, bead, "gupp: test", "deacon")
    assert fresh is not None and fresh.bead == bead
    (event,) = _usage_events(town)
    assert event["data"]["input_tokens"] == 999 + 2030 and event["data"]["output_tokens"] == 1011
    assert event["data"]["session"] == f"de-{slung.polecat}" and event["actor"] == slung.agent
