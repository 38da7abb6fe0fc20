"""The builtin runtime end to end: `gt sling --runtime builtin` starts the agent in its pane, the
real SDK talks to a local Messages API server whose script reads a file, writes a fix, runs the
rig's test, closes the steps and runs `gt done`; the bead lands in the merge queue, a usage
event with the session's tokens and cost is logged, and the key is nowhere to be seen.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from engine_town import new_bead, start_fixed_session
from messages_api_server import Body, Reply, end_turn, serving, tool_turn
from town_fixtures import TownRunner, create_bead, eventually

from gastown_tui.town.comms.escalations import open_escalation_by
from gastown_tui.town.town import Town
from gastown_tui.town.work.sling import sling
from gastown_tui.town.work.work_sessions import session_alive

KEY = "sk-ant-e2e-9876543210-SECRET"
FIXED_CALC = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"
TEST_MUL = "from calc import mul\n\n\ndef test_mul():\n    assert mul(3, 4) == 12\n"
# What an agent would do after reading `gt prime`: close every step but `submit` in order.
CLOSE_STEPS = """python3 - <<'EOF'
import json, subprocess
steps = json.loads(subprocess.check_output(["gt", "prime", "--json"]))["molecule"]["steps"]
for step in steps[:-1]:
    subprocess.run(["bd", "close", step["bead"], "--continue"], check=True)
print("closed", len(steps) - 1, "steps")
EOF"""


def _files_containing(root: Path, text: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()
            and text in p.read_bytes()]  # fmt: skip


def test_the_builtin_agent_completes_a_bead_and_records_its_usage(rig_town: TownRunner) -> None:
    town = rig_town
    bead = create_bead(town, "Add mul to calc")
    panes: list[str] = []
    release = threading.Event()

    def submit(body: Body) -> Reply:
        # The pane now shows the work so far; `gt done` will end the session.
        panes.append(town.tmux("capture-pane", "-p", "-J", "-S", "-500", "-t", "dm-nux").stdout)
        return tool_turn([("run", {"command": "gt done"})], (500, 60))

    def held(body: Body) -> Reply:
        release.wait(timeout=120)  # the session is killed while it waits for this answer
        return tool_turn([("list_dir", {"path": "."})], (9000, 900))

    script: list[Any] = [
        tool_turn([("read_file", {"path": "calc.py"}), ("list_dir", {"path": "."})], (100, 20),
                  text="Reading the code first."),
        tool_turn([("write_file", {"path": "calc.py", "content": FIXED_CALC}),
                   ("write_file", {"path": "test_mul.py", "content": TEST_MUL})], (200, 30)),
        tool_turn([("run", {"command": "python3 -m pytest -q"}),
                   ("run", {"command": "env | grep ANTHROPIC_ | sort"})], (300, 40)),
        tool_turn([("run", {"command": CLOSE_STEPS}),
                   ("run", {"command": "git add -A && git commit -q -m 'Add mul'"})], (400, 50)),
        submit,
        held,
    ]  # fmt: skip
    with serving(script) as api:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": api.base_url}
        try:
            town.gt("sling", bead, "demo", "--runtime", "builtin", env=env)
            usage = eventually(
                lambda: [e for e in town.events() if e["op"] == "usage"],
                what="the usage event",
                describe=lambda: town.tmux("capture-pane", "-p", "-t", "dm-nux").stdout,
            )
        finally:
            release.set()
    # The conversation: prime text first, the model asked for, the key from the environment.
    first = api.requests[0]
    assert first["model"] == "claude-sonnet-5-5" and "gt done" in first["system"][0]["text"]
    assert f"Bead {bead}" in first["messages"][0]["content"][0]["text"]
    assert {api.sent_key(i) for i in range(len(api.requests))} == {KEY}
    read, listing = api.tool_results(1)
    assert read["content"] == "def add(a, b):\n    return a + b\n"
    assert "test_calc.py" in listing["content"]
    tests, environment = api.tool_results(3)
    assert tests["content"].startswith("exit code 0") and "2 passed" in tests["content"]
    assert f"ANTHROPIC_BASE_URL={api.base_url}" in environment["content"]
    assert "ANTHROPIC_API_KEY" not in environment["content"]
    closed, committed = api.tool_results(4)
    assert "closed 5 steps" in closed["content"] and committed["is_error"] is False
    # The bead is in the merge queue with the agent's commit; every step but submit by the agent.
    record = town.bead(bead)
    assert record["status"] == "in_progress" and record["assignee"] == "demo/refinery"
    branch = f"polecat/nux/{bead}"
    repo = town.root / "rigs" / "demo" / "repo.git"
    assert town.git(repo, "show", f"{branch}:calc.py") + "\n" == FIXED_CALC
    assert town.git(repo, "show", "--format=%s", "-s", branch) == "Add mul"
    (done,) = [e for e in town.events() if e["op"] == "done" and e["bead"] == bead]
    assert done["actor"] == "demo/polecats/nux"
    # One usage event: the five answered turns (the held sixth never counted).
    (event,) = usage
    assert event["actor"] == "demo/polecats/nux" and event["bead"] == bead
    assert event["data"] == {
        "agent": "demo/polecats/nux", "session": "dm-nux", "model": "claude-sonnet-5-5",
        "input_tokens": 1500, "output_tokens": 200, "cost_usd": 0.005, "bead": bead,
        "rig": "demo",
    }  # fmt: skip
    # The pane showed a readable transcript, and never the key.
    (pane,) = panes
    assert "assistant: Reading the code first." in pane and "$ python3 -m pytest -q" in pane
    assert f"> write_file calc.py ({len(FIXED_CALC)} chars)" in pane and "closed 5 steps" in pane
    assert KEY not in pane
    assert _files_containing(town.root, KEY.encode()) == []
    eventually(lambda: "dm-nux" not in town.sessions(), what="the session to end")


def test_a_tmux_server_started_before_the_key_was_exported_still_gives_it_to_the_session(
    engine_town_factory: Callable[..., Town], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    town = engine_town_factory()
    town.environ.pop("ANTHROPIC_API_KEY", None)
    start_fixed_session(town, "earlier", "the server starts without the key")
    bead = new_bead(town, "Late key", "demo")
    with serving([end_turn("Nothing I can do here.", (5, 1))]) as api:
        town.environ.update({"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": api.base_url})
        slung = sling(town, bead, "demo", formula="mol-polecat-work", variables={},
                      runtime="builtin", force=False, actor="overseer")  # fmt: skip
        usage = eventually(lambda: _usage(town), what="the session's usage event")
    assert api.sent_key(0) == KEY
    assert usage["input_tokens"] == 5 and usage["agent"] == slung.agent
    # It ended its turn without `gt done`: a HIGH escalation, and the session waits for an answer.
    question = eventually(lambda: open_escalation_by(town.store.connection, slung.agent, bead),
                          what="the escalation")  # fmt: skip
    assert "without `gt done`" in str(question["title"])
    assert slung.session is not None and session_alive(town, slung.session)


def _usage(town: Town) -> dict[str, Any] | None:
    town.store.projection.catch_up()
    text = town.paths.beads.joinpath("events.jsonl").read_text(encoding="utf-8")
    found = [e["data"] for e in map(json.loads, filter(None, text.splitlines()))
             if e["op"] == "usage"]  # fmt: skip
    return found[0] if found else None
