"""`gt handoff [-m text]`: an agent mails itself a HANDOFF and starts a fresh session.

The note (context: the text; status: the hooked bead and its checklist's progress; next: the
step to take up) is what the next session's `gt prime` shows first in its seance. A polecat's
session then restarts on the same hook (`gt polecat cycle`): from inside the session, in a
detached process once this command has returned, since ending the session ends this process.
Crew keep their session: the note is all.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from typing import Any

from gastown_tui.core.addresses import AddressError, parse_address
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.comms.mail import send_mail
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.polecats import cycle
from gastown_tui.town.work.prime import prime_context


@dataclass(frozen=True)
class HandoffResult:
    agent: str
    message: str
    bead: str | None
    status: str
    next: str
    restarted: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _progress(context: dict[str, Any]) -> tuple[str | None, str, str]:
    """(bead, status, next) of the agent's current work, from its prime context."""
    current = context.get("current")
    if current is None:
        return None, "hook empty", "wait for work"
    steps = (context.get("molecule") or {}).get("steps") or []
    done = sum(1 for step in steps if step["state"] == "done")
    status = f"{current['id']} attempt {current['attempt']}: {done}/{len(steps)} steps done"
    upcoming = next((s for s in steps if s["state"] in ("current", "ready")), None)
    return str(current["id"]), status, f"step {upcoming['step']}" if upcoming else "gt done"


def handoff(town: Town, agent: str, text: str, actor: str) -> HandoffResult:
    try:
        address = parse_address(agent)
    except AddressError as error:
        raise TownError(f"gt handoff needs the agent's address ($BD_ACTOR or --agent): "
                        f"{error}") from error  # fmt: skip
    if not address.is_worker or address.rig is None or address.name is None:
        raise TownError(f"{agent} is not a polecat or crew member: nobody to hand off to")
    bead, status, upcoming = _progress(prime_context(town, str(address)))
    context = text.strip() or "(no note)"
    with write_transaction(town.store, actor) as tx:
        message = send_mail(tx, str(address), "HANDOFF",
                            {"context": context, "status": status, "next": upcoming},
                            subject=f"HANDOFF {bead or str(address)}", body=text)  # fmt: skip
    restarted: tuple[str, ...] = ()
    if address.role == "polecat":
        restarted = _restart(town, f"{address.rig}/{address.name}", actor)
    return HandoffResult(str(address), message, bead, status, upcoming, restarted)


def _restart(town: Town, worker: str, actor: str) -> tuple[str, ...]:
    inside = bool(town.environ.get("GT_BEAD") and town.environ.get("TMUX_PANE"))
    if inside:
        town.paths.logs.mkdir(parents=True, exist_ok=True)
        log = (town.paths.logs / f"handoff-{worker.replace('/', '-')}.log").open("ab")
        subprocess.Popen(
            [sys.executable, "-m", "gastown_tui.cli.gt_main", "polecat", "cycle", worker],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
            env=dict(os.environ), cwd=town.paths.root,
        )  # fmt: skip
        return ("restarting the session",)
    result = cycle(town, worker, actor)
    steps = ["ended the session"] if result["ended"] else []
    if result["started"]:
        steps.append(f"started {result['started']} in a fresh session {result['session']}")
    return tuple(steps)
