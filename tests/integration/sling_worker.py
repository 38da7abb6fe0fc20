"""A `gt sling` racer for the double-dispatch test (run as a script; pytest does not collect it).

`sling_worker.py TOWN BEAD TARGET START_FILE`: opens the town, prints `ready`, waits for
START_FILE (the barrier), slings BEAD to TARGET through the engine (as `gt sling` does) and prints
one JSON line: `{"slung": <polecat>}` or `{"refused": <reason>}`.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from gastown_tui.town.town import Town, TownError
from gastown_tui.town.town_paths import TownPaths
from gastown_tui.town.work.sling import sling


def main(root: str, bead: str, target: str, start_file: str) -> None:
    town = Town(TownPaths(Path(root)))
    town.store.projection.catch_up()
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not Path(start_file).exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    try:
        result = sling(town, bead, target, formula="mol-polecat-work",
                       variables={"sim.mode": "hang"}, runtime=None, force=False,
                       actor="overseer")  # fmt: skip
        print(json.dumps({"slung": result.polecat}), flush=True)
    except TownError as error:
        print(json.dumps({"refused": str(error)}), flush=True)
    finally:
        town.close()


if __name__ == "__main__":
    main(*sys.argv[1:5])
