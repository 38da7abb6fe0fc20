"""Writing `usage` events: one per agent session, with its tokens and what they cost.

The event (op `usage`, on the work bead, by the agent) has exactly the data keys agent,
session, model, input_tokens, output_tokens, cost_usd, bead and rig. `input_tokens` counts every
input token the model read, cache writes and reads included; `cost_usd` prices those at their
cache rates (model_prices).

Who records what:
- builtin: the session program, from the API's usage figures, when its session ends (also when
  it is killed or crashes, from a `finally`).
- claude: `record_claude_session_usage` when the session ends by `gt done` or by a Deacon
  respawn or block, from the Claude Code transcript of the worktree (claude_transcripts) since
  the session started; best effort: nothing when no transcript is found, and a session
  stopped by hand (`gt polecat stop`, unsling) is not counted.
- sim: nothing. A session without a usage event cost nothing: reports count absence as zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from gastown_tui.core.timestamps import parse_ts
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.costs.claude_transcripts import transcript_usage
from gastown_tui.town.costs.model_prices import cost_usd
from gastown_tui.town.town import Town

USAGE_OP = "usage"
USAGE_KEYS = ("agent", "session", "model", "input_tokens", "output_tokens", "cost_usd", "bead",
              "rig")  # fmt: skip


def record_usage(
    town_or_store: Town | BeadsStore,
    agent: str,
    session: str,
    model: str,
    input_tokens: int,
    output_tokens: int,
    cost_usd: float,
    bead: str,
    rig: str,
) -> dict[str, object]:
    """Append one `usage` event (actor: the agent); returns its data."""
    store = town_or_store.store if isinstance(town_or_store, Town) else town_or_store
    data: dict[str, object] = {
        "agent": agent, "session": session, "model": model, "input_tokens": int(input_tokens),
        "output_tokens": int(output_tokens), "cost_usd": round(float(cost_usd), 6),
        "bead": bead, "rig": rig,
    }  # fmt: skip
    with write_transaction(store, agent) as tx:
        tx.emit(USAGE_OP, bead, data)
    return data


def record_claude_usage(
    town: Town,
    agent: str,
    session: str,
    model: str,
    bead: str,
    rig: str,
    worktree: Path,
    since: datetime | None,
) -> dict[str, object] | None:
    """The usage of a claude session, read from its transcript under `~/.claude/projects/`;
    None (and nothing written) when no transcript of this worktree since `since` is found."""
    home = Path(town.environ.get("HOME") or Path.home())
    found = transcript_usage(home, worktree, since)
    if found is None:
        return None
    used_model = found.model or model
    cost = cost_usd(used_model, found.input_tokens, found.output_tokens,
                    found.cache_write_tokens, found.cache_read_tokens)  # fmt: skip
    return record_usage(town, agent, session, used_model, found.all_input_tokens,
                        found.output_tokens, cost, bead, rig)  # fmt: skip


def record_claude_session_usage(
    town: Town, bead: str, metadata: Mapping[str, Any], agent: str, worktree: Path | None = None
) -> dict[str, object] | None:
    """`record_claude_usage` for the session that worked on `bead`, from the bead's metadata
    as it was while the session ran (`worktree` defaults to the metadata's), when its runtime
    is claude and a session ran; None otherwise."""
    where = worktree or metadata.get("worktree")
    if metadata.get("runtime") != "claude" or not metadata.get("session") or not where:
        return None
    started = metadata.get("started_at")
    return record_claude_usage(
        town, agent, str(metadata["session"]), str(metadata.get("model") or ""), bead,
        str(metadata.get("rig") or ""), Path(str(where)),
        parse_ts(started) if isinstance(started, str) else None,
    )  # fmt: skip


@dataclass
class SessionMeter:
    """Records a session's usage as it grows: each `record` writes one event with what was
    used since the last one (nothing when nothing was), so a session that records after each
    stretch of work and again when it is killed never counts a token twice."""

    town: Town
    agent: str
    session: str
    bead: str
    rig: str
    recorded: tuple[int, int, int, int] = (0, 0, 0, 0)
    events: list[dict[str, object]] = field(default_factory=list)

    def record(
        self, model: str, input_tokens: int, output_tokens: int, cache_write: int, cache_read: int
    ) -> dict[str, object] | None:
        totals = (input_tokens, output_tokens, cache_write, cache_read)
        fresh, out, write, read = (a - b for a, b in zip(totals, self.recorded, strict=True))
        if not any((fresh, out, write, read)):
            return None
        cost = cost_usd(model, fresh, out, write, read)
        data = record_usage(self.town, self.agent, self.session, model, fresh + write + read, out,
                            cost, self.bead, self.rig)  # fmt: skip
        self.recorded = totals
        self.events.append(data)
        return data
