"""`gt nudge` and `gt broadcast`: a line typed into real tmux sessions, never through a shell.

Each session runs a small reader that prints every line it receives as JSON, so the test sees
exactly what arrived. Hostile text must arrive as plain characters with its control characters
stripped, run nothing, and be logged as a `nudge` event.
"""

from __future__ import annotations

import json
import sys
from functools import partial
from pathlib import Path
from typing import Any

from town_fixtures import TownRunner, eventually

READER = (
    "import json, sys\n"
    "print('READY', flush=True)\n"
    "for line in sys.stdin:\n"
    "    print('GOT ' + json.dumps(line.rstrip('\\n')), flush=True)\n"
)


def start_reader(town: TownRunner, session: str) -> None:
    town.tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "50", "--",
              sys.executable, "-c", READER, check=True)  # fmt: skip
    eventually(lambda: "READY" in screen(town, session), 30, f"the reader in {session}")


def screen(town: TownRunner, session: str) -> str:
    return town.tmux("capture-pane", "-p", "-J", "-t", f"={session}:", "-S", "-").stdout


def received(town: TownRunner, session: str) -> list[str]:
    return [json.loads(line[4:]) for line in screen(town, session).splitlines()
            if line.startswith("GOT ")]  # fmt: skip


def nudges(town: TownRunner) -> list[dict[str, Any]]:
    return [e for e in town.events() if e["op"] == "nudge"]


def test_hostile_text_arrives_stripped_and_runs_nothing(rig_town: TownRunner,
                                                         tmp_path: Path) -> None:  # fmt: skip
    town = rig_town
    start_reader(town, "dm-nux")
    marker = tmp_path / "MARKER"
    hostile = (f"-x $(touch {marker}) `touch {marker}` ; touch {marker}; "
               "\x1b[31mred\x1b[0m C-c Enter \x07bell\x7f \x1b]0;title\x07 end;")  # fmt: skip
    expected = (f"-x $(touch {marker}) `touch {marker}` ; touch {marker}; "
                "[31mred[0m C-c Enter bell ]0;title end;")  # fmt: skip
    result = town.gt("nudge", "demo/polecats/nux", hostile, "--json",
                     env={"BD_ACTOR": "demo/witness"}).json()  # fmt: skip
    assert result == {"target": "demo/polecats/nux", "session": "dm-nux", "sent": expected}
    # The command returns once Enter was taken, so the line is already there.
    assert eventually(lambda: received(town, "dm-nux"), 10, "the reader's line") == [expected]
    assert not marker.exists()
    (event,) = nudges(town)
    assert event["bead"] == "" and event["actor"] == "demo/witness"
    assert event["data"] == {"target": "demo/polecats/nux", "by": "demo/witness",
                             "text": expected, "session": "dm-nux"}  # fmt: skip
    # A second, shorter nudge (the `<rig>/<name>` shorthand) arrives as its own line.
    shown = town.gt("nudge", "demo/nux", "again;").stdout
    assert "nudged demo/polecats/nux (dm-nux)" in shown
    assert eventually(lambda: received(town, "dm-nux")[1:], 10, "line 2") == ["again;"]
    assert len(nudges(town)) == 2


def test_a_pane_in_copy_mode_still_gets_the_line(rig_town: TownRunner) -> None:
    town = rig_town
    start_reader(town, "dm-nux")
    town.tmux("copy-mode", "-t", "=dm-nux:", check=True)
    town.gt("nudge", "demo/polecats/nux", "out of copy mode")
    assert eventually(lambda: received(town, "dm-nux"), 10, "the line") == ["out of copy mode"]


def test_nudges_without_a_session_are_refused(rig_town: TownRunner) -> None:
    town = rig_town
    missing = town.gt("nudge", "demo/polecats/rust", "hello", check=False)
    assert missing.returncode == 1 and "dm-rust does not exist" in missing.stderr
    human = town.gt("nudge", "overseer", "hello", check=False)
    assert human.returncode == 1 and "no session" in human.stderr
    start_reader(town, "dm-nux")
    empty = town.gt("nudge", "demo/polecats/nux", "\x1b\x07", check=False)
    assert empty.returncode == 1 and "nothing to send" in empty.stderr
    unknown = town.gt("nudge", "elsewhere/polecats/nux", "hello", check=False)
    assert unknown.returncode == 1 and "no rig 'elsewhere'" in unknown.stderr
    assert nudges(town) == []


def test_broadcast_reaches_every_polecat_but_not_the_refinery(rig_town: TownRunner) -> None:
    town = rig_town
    for session in ("dm-nux", "dm-rust", "dm-refinery"):
        start_reader(town, session)
    listed = town.gt("broadcast", "\x1b[1mstand by", "--json").json()
    assert listed == [
        {"target": "demo/polecats/nux", "session": "dm-nux", "sent": "[1mstand by"},
        {"target": "demo/polecats/rust", "session": "dm-rust", "sent": "[1mstand by"},
    ]
    for session in ("dm-nux", "dm-rust"):
        lines = eventually(partial(received, town, session), 10, session)
        assert lines == ["[1mstand by"]
    assert received(town, "dm-refinery") == []
    assert sorted(e["data"]["target"] for e in nudges(town)) == [
        "demo/polecats/nux", "demo/polecats/rust"]  # fmt: skip
    in_demo = town.gt("broadcast", "again", "--rig", "demo", "--json").json()
    assert [item["session"] for item in in_demo] == ["dm-nux", "dm-rust"]
    assert town.gt("broadcast", "hi", "--rig", "nowhere", check=False).returncode == 1


def test_broadcast_with_no_live_polecats_says_so(rig_town: TownRunner) -> None:
    assert rig_town.gt("broadcast", "anyone?", "--json").json() == []
    assert "no live polecat sessions" in rig_town.gt("broadcast", "anyone?").stdout
    assert nudges(rig_town) == []
