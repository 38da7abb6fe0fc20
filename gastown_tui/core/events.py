"""Beads log events: the one shape every line of `events.jsonl` has.

`{"v":1,"id":"<ULID>","ts":"<RFC3339 UTC µs>","actor":"<address>","op":"<op>","bead":"<id>",
"data":{…}}`. The projection's state is a fold of the *set* of events ordered by (ts, id).

Bead-changing ops share a small vocabulary of data keys, so new ops (sling, hook, done…) need
no new fold code:
- `record`: the whole record (`create` merges it over what exists, `import` replaces);
- `set` / `unset`: fields to assign or remove; `metadata`: keys to assign (null removes);
- `label`: for `label_add` / `label_remove`;
- `dependency` (an edge object) for `dep_add`, `depends_on_id` for `dep_remove`;
- `comment` (a comment object) for `comment_add`.
"""

from __future__ import annotations

from typing import Any

Event = dict[str, Any]
LOG_VERSION = 1

CREATE = "create"
IMPORT = "import"
UPDATE = "update"
CLAIM = "claim"
CLOSE = "close"
REOPEN = "reopen"
DELETE = "delete"
LABEL_ADD = "label_add"
LABEL_REMOVE = "label_remove"
DEP_ADD = "dep_add"
DEP_REMOVE = "dep_remove"
COMMENT_ADD = "comment_add"

# Ops whose data uses set / unset / metadata.
FIELD_OPS = frozenset(
    {UPDATE, CLAIM, CLOSE, REOPEN, DELETE, "hook", "unhook", "sling", "done", "rework"}
)
BEAD_OPS = FIELD_OPS | {CREATE, IMPORT, LABEL_ADD, LABEL_REMOVE, DEP_ADD, DEP_REMOVE, COMMENT_ADD}
# Engine events that are recorded for the feed and history but change no bead by themselves.
NON_BEAD_OPS = frozenset({
    "session_start", "session_end", "mq_submit", "merge_started", "merged", "merge_failed",
    "escalate", "ack", "resolve", "raise", "reassign", "reply", "nudge", "patrol", "usage",
})  # fmt: skip


def make_event(
    event_id: str, ts: str, actor: str, op: str, bead: str, data: dict[str, Any]
) -> Event:
    """An event with its keys in the log's canonical order."""
    return {"v": LOG_VERSION, "id": event_id, "ts": ts, "actor": actor, "op": op, "bead": bead,
            "data": data}  # fmt: skip


def event_problem(value: object) -> str | None:
    """Why a parsed log line is not a usable event, or None if it is one."""
    if not isinstance(value, dict):
        return "not a JSON object"
    for key in ("id", "ts", "op"):
        if not isinstance(value.get(key), str) or not value[key]:
            return f"missing or empty {key!r}"
    if not isinstance(value.get("bead", ""), str):
        return "'bead' is not a string"
    if not isinstance(value.get("data", {}), dict):
        return "'data' is not an object"
    return None
