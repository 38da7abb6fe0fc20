"""`gt up`, `gt down`, `gt daemon run` and `gt status` through the real command line (DESIGN §5).

One tmux server per town: `gt down` stops this town's and nothing else. `gt status` reads the
state of every pane with one batched `list-panes` however many polecats are live.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from town_fixtures import TownRunner, eventually, heartbeat

# A hanging sim makes no progress; under the test profile it counts as stalled after 3 s.
PATIENT = {"GT_PROFILE": "default"}


def daemon_beat(town: TownRunner) -> dict[str, Any] | None:
    return heartbeat(town, "hq-daemon")


def server_running(env: dict[str, str], socket: str) -> bool:
    done = subprocess.run(["tmux", "-L", socket, "list-sessions"], env=env, capture_output=True)
    return done.returncode == 0


def test_up_starts_one_daemon_and_down_stops_only_this_towns_server(
    town_factory: Callable[..., TownRunner],
) -> None:
    town = town_factory()
    other = town_factory("other")
    decoy = f"gtdecoy-{uuid.uuid4().hex[:8]}"
    try:
        subprocess.run(["tmux", "-L", decoy, "new-session", "-d", "-s", "bystander"],
                       env=town.env, check=True)  # fmt: skip
        other.gt("up")
        up = town.gt("up", "--json").json()
        assert up == {"started": ["hq-daemon"], "sessions": ["hq-daemon"], "socket": town.socket}
        first = eventually(lambda: daemon_beat(town), what="the daemon's first heartbeat")
        eventually(lambda: (beat := daemon_beat(town)) and beat["tick"] > first["tick"],
                   what="the heartbeat's tick to grow")  # fmt: skip
        assert town.sessions() == ["hq-daemon"]
        assert town.gt("status", "--json").json()["daemon_running"] is True

        again = town.gt("up", "--json").json()
        assert again["started"] == [] and again["sessions"] == ["hq-daemon"]
        assert "already running" in town.gt("up").stdout

        second = town.gt("daemon", "run", check=False)
        assert second.returncode == 1 and "Traceback" not in second.stderr
        assert "another daemon is already running for this town" in second.stderr

        # A daemon that died is started again (its dead pane is replaced).
        pid = int(town.tmux("display-message", "-p", "-t", "=hq-daemon:", "#{pane_pid}").stdout)
        town.tmux("send-keys", "-t", "=hq-daemon:", "C-c")
        eventually(lambda: town.tmux("display-message", "-p", "-t", "=hq-daemon:",
                                     "#{pane_dead}").stdout.strip() == "1",
                   what="the daemon's pane to die")  # fmt: skip
        assert town.gt("status", "--json").json()["daemon_running"] is False
        restarted = town.gt("up", "--json").json()
        assert restarted["started"] == ["hq-daemon"]
        new_pid = town.tmux("display-message", "-p", "-t", "=hq-daemon:", "#{pane_pid}").stdout
        assert int(new_pid) != pid
        eventually(lambda: (beat := daemon_beat(town)) and beat["pid"] != first["pid"],
                   what="the new daemon's heartbeat")  # fmt: skip

        down = town.gt("down", "--json").json()
        assert down == {"stopped": ["hq-daemon"], "socket": town.socket}
        assert not server_running(town.env, town.socket)
        assert other.sessions() == ["hq-daemon"], "another town's server is untouched"
        assert server_running(town.env, decoy), "a server that is no town's is untouched"
        assert town.gt("status", "--json").json()["tmux"] == "down"
        assert town.gt("down", "--json").json()["stopped"] == []
        # The daemon's own life is heartbeats; a pass that found nothing logs nothing.
        assert [e for e in town.events() if e["op"] == "patrol"] == []
        assert heartbeat(town, "patrol-deacon") and heartbeat(town, "patrol-dogs")
    finally:
        subprocess.run(["tmux", "-L", decoy, "kill-server"], env=town.env, capture_output=True)


def _tmux_wrapper(folder: Path, log: Path, path: str) -> dict[str, str]:
    """PATH with a `tmux` first that logs its argv and runs the real one."""
    real = shutil.which("tmux")
    assert real is not None
    folder.mkdir()
    wrapper = folder / "tmux"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    return {"PATH": f"{folder}:{path}"}


def test_status_reports_rigs_polecats_queue_and_escalations_with_one_tmux_read(
    rig_town: TownRunner, tmp_path: Path
) -> None:
    town = rig_town
    idle = town.gt("status", "--json").json()
    assert idle["tmux"] == "down" and idle["daemon_running"] is False
    assert idle["mq_length"] == 0 and idle["escalations_open"] == 0
    (rig,) = idle["rigs"]
    assert rig["name"] == "demo" and rig["prefix"] == "dm" and rig["polecats"] == []
    for bad in (["--interval", "0"], ["--interval", "-1"], ["--count", "-2"]):
        usage = town.gt("status", "--watch", *bad, check=False)
        assert usage.returncode == 2 and "Traceback" not in usage.stderr
        assert "--interval must be above 0" in usage.stderr

    hanging = [town.bd("create", f"Hang {n}", "--rig", "demo", "--json").json()["id"]
               for n in range(5)]  # fmt: skip
    for bead in hanging:
        town.gt("sling", bead, "demo", "--var", "sim.mode=hang")
    # A sixth polecat (the five are busy) finishes its bead: it rests, its MR is queued.
    landing = town.bd("create", "Lands in the queue", "--rig", "demo", "--json").json()["id"]
    town.gt("sling", landing, "demo")
    town.gt("escalate", "create", "Need a decision", "-s", "HIGH")

    def settled() -> dict[str, Any] | None:
        status = town.gt("status", "--json", env=PATIENT).json()
        polecats = status["rigs"][0]["polecats"]
        states = sorted(p["state"] for p in polecats)
        return status if states == ["resting"] + ["working"] * 5 and status["mq_length"] else None

    status = eventually(settled, what="five working polecats, one resting, one queued request")
    by_hook = {tuple(p["hook"]): p for p in status["rigs"][0]["polecats"]}
    assert sorted(by_hook) == sorted([(), *((bead,) for bead in hanging)])
    lander = by_hook[()]
    assert lander["name"] == "toast" and lander["state"] == "resting" and lander["session"] is None
    for bead in hanging:
        polecat = by_hook[(bead,)]
        assert polecat["current"] == bead
        assert polecat["session"] == f"dm-{polecat['name']}"
    assert status["tmux"] == "running" and status["escalations_open"] == 1
    assert status["escalations"][0]["severity"] == "HIGH"
    (queued,) = status["rigs"][0]["mq"]
    assert town.bead(landing)["metadata"]["mr"] == queued and status["rigs"][0]["mq_length"] == 1

    log = tmp_path / "tmux-calls.log"
    env = {**PATIENT, **_tmux_wrapper(tmp_path / "wrapped", log, town.env["PATH"])}
    watched = town.gt("status", "--json", env=env).json()
    assert len([p for p in watched["rigs"][0]["polecats"] if p["state"] == "working"]) == 5
    calls = log.read_text().splitlines()
    assert len([c for c in calls if "list-panes" in c]) == 1, calls

    text = town.gt("status", "--watch", "--count", "2", "--interval", "0.1", env=PATIENT).stdout
    assert text.count("Gas Town · town") == 2
    assert text.count("working") == 10 and "escalations 1" in text
    documents = town.gt("status", "--json", "--watch", "--count", "2", "--interval", "0.1").stdout
    decoder = json.JSONDecoder()
    first, end = decoder.raw_decode(documents)
    second, _ = decoder.raw_decode(documents[end:].lstrip())
    assert first["town"] == second["town"] == "town"
