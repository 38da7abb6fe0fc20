"""The `builtin` runtime's session program (DESIGN §5): `python -m` this in a polecat's pane.

It reads `gt prime` for its agent (the first user message), runs the agent loop
(runtime.anthropic_agent) on the Messages API with the tools confined to the worktree, prints
a readable transcript to the pane, and records the session's usage (town.costs) when the loop
ends, when the session is killed (`gt done` ends it from outside: SIGHUP) or crashes. When
the loop stops on a bound (turns, tokens), on an API that keeps failing, or without the work
being done, it raises a HIGH escalation on the bead and waits (an open question: the Deacon
neither nudges nor restarts it), so nothing respawns it into the same wall. A line typed into
the pane (a nudge; an operator's reply to the escalation arrives as one) reaches the model with
its next request, and resumes a stopped loop with a fresh budget, at most MAX_RESUMES times.

Settings: the model is the session's (`--model`, from the sling or rig.toml) unless the sling
var `builtin.model` names another; bounds come from rig.toml `[agent]` (max_turns,
max_session_tokens, max_output_tokens, api_retries, api_backoff_seconds) and the sling vars
`builtin.max_turns` / `builtin.max_tokens`. The key and base URL come from the environment
(ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL) through the SDK; the key is never printed or logged.

It lives in town/ rather than runtime/ because it records usage and escalates through the
engine; the loop itself and its tools are runtime/.
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import anthropic

from gastown_tui.core import record as rec
from gastown_tui.core.addresses import AddressError, parse_address
from gastown_tui.core.display_text import visible
from gastown_tui.core.rig_settings import RigSettings
from gastown_tui.runtime.agent_tools import WorktreeTools
from gastown_tui.runtime.anthropic_agent import (
    ENDED,
    NUDGE_PREFIX,
    AgentLimits,
    AgentLoop,
    AgentOutcome,
)
from gastown_tui.town.comms.escalations import escalate
from gastown_tui.town.costs.model_prices import price_of
from gastown_tui.town.costs.usage_recording import SessionMeter
from gastown_tui.town.hooks import hook_queue, running_bead
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.prime import prime_context, prime_text

SYSTEM_PROMPT = """\
You are a polecat: a worker agent in a Gas Town workspace, working alone in a git worktree of \
one repository (a rig). Your first message is the output of `gt prime`: your identity, the \
bead (work item) on your hook and its molecule, a checklist of steps.

Work through the checklist in order. For each step do the work, then close it with \
`bd close <step-id> --continue` (the next ready step is claimed for you). Closing a step whose \
prerequisites are open is refused; do not force it. Useful commands (via the run tool): \
`gt prime` (your context again), `bd show <id>`, `bd mol current <molecule-id>`, git, and the \
rig's tests (the gates listed in the prime text). Commit your changes with git as you go.

When every step but the last is closed and the tests pass, run `gt done`: it commits what is \
left, pushes your branch, files the merge request and ends this session. If you are blocked \
and need a human decision, run `gt escalate create -s HIGH "<problem>" --issue <bead> --tried \
"<what you tried>"` and stop.

Your tools (read_file, write_file, list_dir, run) work only inside your worktree; paths are \
relative to it. Be concise; do not ask for confirmation: nobody is reading live."""

LIMIT_KEYS: dict[str, type[int] | type[float]] = {
    "max_turns": int, "max_session_tokens": int, "max_output_tokens": int, "api_retries": int,
    "api_backoff_seconds": float,
}  # fmt: skip
LIMIT_FIELDS = {"api_backoff_seconds": "backoff_seconds"}
VAR_LIMITS = {"builtin.max_turns": "max_turns", "builtin.max_tokens": "max_session_tokens"}
MAX_RESUMES = 5
# A hang-up while the log is written (usage, an escalation) waits until the write is whole.
_writes = {"busy": False, "pending": 0}


@dataclass(frozen=True)
class SessionReport:
    outcome: AgentOutcome | None
    escalation: str | None
    usage: list[dict[str, object]]  # the usage events written


def agent_limits(
    rig: RigSettings, variables: Mapping[str, Any], say: Callable[[str], None]
) -> AgentLimits:
    """The bounds for this session: rig.toml [agent] first, then the sling's vars; a bad value
    is ignored, loudly."""
    agent = rig.extra.get("agent")
    wanted = (
        {key: agent[key] for key in LIMIT_KEYS if key in agent} if isinstance(agent, dict) else {}
    )
    wanted.update({key: variables[var] for var, key in VAR_LIMITS.items() if var in variables})
    values: dict[str, Any] = {}
    for key, value in wanted.items():
        kind = LIMIT_KEYS[key]
        smallest = 0 if key == "api_retries" or kind is float else 1
        try:
            number = kind(value)
        except (TypeError, ValueError):
            number = None
        if number is None or number < smallest:
            say(f"builtin: ignoring {key}={value!r} (needs a number >= {smallest})")
            continue
        values[LIMIT_FIELDS.get(key, key)] = number
    return AgentLimits(**values)


def _say_without(secret: str, out: Callable[[str], None]) -> Callable[[str], None]:
    def say(text: str) -> None:
        out(text.replace(secret, "[key hidden]") if secret else text)

    return say


def _still_mine(town: Town, actor: str, bead: str) -> bool:
    town.store.projection.catch_up()
    current = running_bead(hook_queue(town.store.connection, actor))
    return current is not None and current["id"] == bead


def _escalate(town: Town, actor: str, bead: str, text: str, tried: str,
              say: Callable[[str], None]) -> str:  # fmt: skip
    with _unbroken():
        record = escalate(town, "HIGH", text, actor, issue=bead, tried=tried)
    say(f"builtin: escalated (HIGH) as {record['id']}: {text}")
    return str(record["id"])


def run_builtin_session(
    town: Town,
    actor: str,
    bead: str,
    model: str,
    worktree: Path,
    say: Callable[[str], None],
    *,
    environ: Mapping[str, str] | None = None,
    make_client: Callable[..., anthropic.Anthropic] = anthropic.Anthropic,
    sleep: Callable[[float], None] = time.sleep,
    inbox: queue.Queue[str] | None = None,
    next_answer: Callable[[], str | None] | None = None,
) -> SessionReport:
    """One session of `actor` on `bead`, start to finish. Lines put in `inbox` reach the model
    with its next request. After a stop that escalated, `next_answer` (the pane program's:
    the next line typed in; the operator's reply arrives as one) is waited for and the work
    resumes with it, at most MAX_RESUMES times; None from it ends the session."""
    environ = os.environ if environ is None else environ
    secret = environ.get("ANTHROPIC_API_KEY", "")  # kept out of the log as out of the pane
    context = prime_context(town, actor)
    first_message = prime_text(context)
    say(first_message)
    current = context["current"]
    if current is None or current["id"] != bead:
        say(f"builtin: {bead} is not the work on my hook; nothing to do")
        return SessionReport(None, None, [])
    address = parse_address(actor)
    rig = town.rig(str(address.rig))
    variables = current.get("vars") or {}
    model = str(variables.get("builtin.model") or model)
    limits = agent_limits(rig, variables, say)
    stored = town.store.get(bead)
    session = str(rec.metadata_of(stored).get("session") or "") if stored else ""
    if price_of(model) is None:
        say(f"builtin: no price for model {model!r}; its usage is recorded at $0")
    try:
        client = make_client(max_retries=0)
    except anthropic.AnthropicError as error:
        text = f"the builtin agent cannot reach the Anthropic API: {error}"
        return SessionReport(None, _escalate(town, actor, bead, text, "starting", say), [])
    tools = WorktreeTools(worktree, environ)
    loop = AgentLoop(client, model, SYSTEM_PROMPT, tools, limits, say, sleep, inbox)
    meter = SessionMeter(town, actor, session, bead, rig.name)
    say(f"builtin: {model}, at most {limits.max_turns} turns and "
        f"{limits.max_session_tokens} tokens")  # fmt: skip
    escalation = None
    try:
        outcome = loop.run(first_message)
        for resumed in range(MAX_RESUMES + 1):
            _record(meter, loop.outcome, model, say)
            escalation = _stopped(town, actor, bead, outcome, model, say, secret)
            if escalation is None or next_answer is None:
                break
            if resumed == MAX_RESUMES:
                say(
                    f"builtin: resumed {MAX_RESUMES} times already; stopping here (the "
                    "escalation stays open for the operator)"
                )
                break
            say("builtin: waiting for an answer (a reply or a nudge resumes the work)")
            answer = next_answer()
            if answer is None:
                break
            outcome = loop.resume(f"{NUDGE_PREFIX}{answer}")
    finally:
        _record(meter, loop.outcome, model, say)  # killed mid-work: what was used so far
    return SessionReport(outcome, escalation, meter.events)


def _record(
    meter: SessionMeter, used: AgentOutcome, model: str, say: Callable[[str], None]
) -> None:
    """The session's usage since the last record, written whole even while being killed."""
    priced = used.models[0] if used.models else model  # the API's name for it
    with _unbroken():
        data = meter.record(priced, used.input_tokens, used.output_tokens,
                            used.cache_write_tokens, used.cache_read_tokens)  # fmt: skip
    if data is not None:
        say(f"builtin: recorded {data['input_tokens']} input and {data['output_tokens']} output "
            f"tokens (${data['cost_usd']}); {used.turns} turns so far")  # fmt: skip


def _stopped(town: Town, actor: str, bead: str, outcome: AgentOutcome, model: str,
             say: Callable[[str], None], secret: str) -> str | None:  # fmt: skip
    """The escalation a stop calls for (None when the work was handed on with `gt done`)."""
    tried = f"{outcome.turns} turns with {model}"
    if outcome.status != ENDED:
        detail = outcome.detail.replace(secret, "[key hidden]") if secret else outcome.detail
        text = f"builtin agent {actor} stopped on {bead}: {detail}"
        return _escalate(town, actor, bead, text, tried, say)
    if _still_mine(town, actor, bead):
        text = f"builtin agent {actor} ended its turn on {bead} without `gt done`"
        return _escalate(town, actor, bead, text, tried, say)
    return None


def _hang_up(signum: int, frame: FrameType | None) -> None:
    """The session is being killed: unwind, so the `finally` records the usage."""
    if _writes["busy"]:
        _writes["pending"] = signum
        return
    raise SystemExit(128 + signum)


@contextmanager
def _unbroken() -> Iterator[None]:
    """A write to the log that a hang-up must not cut short; the hang-up takes effect after."""
    _writes["busy"] = True
    try:
        yield
    finally:
        _writes["busy"] = False
        pending, _writes["pending"] = _writes["pending"], 0
        if pending:
            raise SystemExit(128 + pending)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="builtin-agent")
    parser.add_argument("--model", required=True)
    args = parser.parse_args(argv)
    say = _say_without(os.environ.get("ANTHROPIC_API_KEY", ""), lambda t: print(t, flush=True))
    for signum in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, _hang_up)
    bead, actor = os.environ.get("GT_BEAD", ""), os.environ.get("BD_ACTOR", "")
    inbox: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_nudges, args=(inbox, say), daemon=True).start()
    try:
        town = Town.find()
        run_builtin_session(town, actor, bead, args.model, Path.cwd(), say, inbox=inbox,
                            next_answer=inbox.get)  # fmt: skip
    except (TownError, AddressError, OSError) as error:
        say(f"builtin: {error}")
    say("builtin: session over; waiting for the town to end it")
    while True:
        time.sleep(3600)


def _read_nudges(inbox: queue.Queue[str], say: Callable[[str], None]) -> None:
    """Every non-empty line typed into the pane (a nudge, an operator's reply) to `inbox`."""
    for line in sys.stdin:
        text = line.strip()
        if text:
            say(f"nudge received: {visible(text)}")
            inbox.put(text)


if __name__ == "__main__":
    sys.exit(main())
