"""A hostile bead title goes through sling, prime and nudge without anything executing.

The title carries a command substitution that would create a marker file, backticks, `;`,
ANSI escapes and tmux key names. Nothing runs it (sessions start from argv, text reaches panes
by literal send-keys) and the pane receives exactly the text with control characters removed.
"""

from __future__ import annotations

import json
from pathlib import Path

from town_fixtures import TownRunner, eventually

from gastown_tui.core.display_text import strip_control


def hostile_title(marker: Path) -> str:
    return (f"$(touch {marker}) `touch {marker}`; touch {marker} \x1b[31mred\x1b[0m "
            "C-c Enter Escape [/] [bold]x[/bold] -x end;")  # fmt: skip


def test_hostile_title_is_slung_primed_and_nudged_inertly(
    rig_town: TownRunner, tmp_path: Path
) -> None:
    town = rig_town
    marker = tmp_path / "pwned"
    title = hostile_title(marker)
    bead = town.bd("create", title, "--rig", "demo", "--json").json()["id"]
    slung = town.gt("sling", bead, "demo", "--var", "sim.mode=hang", "--json").json()
    assert slung["session"] == "dm-nux"
    eventually(lambda: "hanging" in town.tmux("capture-pane", "-p", "-t", "dm-nux").stdout,
               what="the sim worker to prime and settle")  # fmt: skip

    primed = town.gt("prime", "--agent", "demo/polecats/nux", "--json").json()
    assert primed["current"]["title"] == title  # --json is byte-exact
    text = town.gt("prime", "--agent", "demo/polecats/nux").stdout
    assert "\x1b" not in text and "\\x1b[31mred" in text  # text output shows the escape

    sent = town.gt("nudge", "demo/polecats/nux", title, "--json").json()
    assert sent["sent"] == strip_control(title)

    def received() -> str | None:
        pane = town.tmux("capture-pane", "-p", "-J", "-t", "dm-nux", "-S", "-200").stdout
        for line in pane.splitlines():
            if line.startswith("nudge received: "):
                return str(json.loads(line.removeprefix("nudge received: ")))
        return None

    assert eventually(received, what="the nudge to reach the sim") == strip_control(title)
    assert not marker.exists()
    assert town.bead(bead)["title"] == title
