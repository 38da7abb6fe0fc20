"""The feed's view of the log: events as short typed rows, read by byte offset or line number,
and the operator's filter (words or /regex/, type:OP, rig:NAME, actor:ADDR).

It reads `events.jsonl` itself, never the projection, so what it returns is the same before,
during and after a rebuild. A malformed or unreadable line is a row that says so, not an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gastown_tui.store import json_codec

SUMMARY_LIMIT = 160


@dataclass(frozen=True)
class FeedEvent:
    ts: str
    actor: str
    op: str
    bead: str
    rig: str
    summary: str  # one line: what happened, from the event's data
    malformed: bool = False
    offset: int = -1  # where the line starts in the log (-1: not known to the caller)


def parse_event(line: bytes, offset: int = -1) -> FeedEvent:
    try:
        event = json_codec.loads(line)
        if not isinstance(event, dict):
            raise ValueError("not an object")
    except ValueError:
        return FeedEvent("", "", "?", "", "", f"unreadable line: {line[:80]!r}", True, offset)
    raw = event.get("data")
    data: dict[str, Any] = raw if isinstance(raw, dict) else {}
    actor = str(event.get("actor") or "")
    bead = str(event.get("bead") or "")
    return FeedEvent(str(event.get("ts") or ""), actor, str(event.get("op") or ""), bead,
                     _rig_of(data, actor), _summary(str(event.get("op") or ""), data),
                     offset=offset)  # fmt: skip


def _rig_of(data: dict[str, Any], actor: str) -> str:
    record = _dict(data.get("record"))
    rig = data.get("rig") or _dict(record.get("metadata")).get("rig")
    if rig:
        return str(rig)
    head, _, rest = actor.partition("/")
    return head if rest else ""


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _summary(op: str, data: dict[str, Any]) -> str:
    record = data.get("record")
    if isinstance(record, dict):
        text = f"{record.get('issue_type', '')} {record.get('title', '')}".strip()
    elif isinstance(data.get("set"), dict):
        text = " ".join(f"{k}={_short(v)}" for k, v in data["set"].items() if k != "updated_at")
    elif op == "patrol":
        findings = data.get("findings") or []
        text = f"{data.get('patrol', '')}: " + "; ".join(
            " ".join(f"{k}={_short(v)}" for k, v in f.items()) for f in findings[:3]
            if isinstance(f, dict)
        )  # fmt: skip
    elif "text" in data:
        text = f"{data.get('target') or data.get('to') or ''} {_short(data['text'])}".strip()
    else:
        text = " ".join(f"{k}={_short(v)}" for k, v in data.items()
                        if not isinstance(v, (dict, list)))  # fmt: skip
    return text[:SUMMARY_LIMIT]


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json_codec.dumps(value).decode()
    return text if len(text) <= 60 else text[:59] + "…"


class QueryError(ValueError):
    """A filter the feed cannot use (a bad regex), with what is wrong."""


@dataclass(frozen=True)
class FeedQuery:
    words: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    ops: tuple[str, ...] = ()
    rigs: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.words or self.pattern or self.ops or self.rigs or self.actors)

    def could_match(self, line: bytes) -> bool:
        """A cheap test on the raw line, before it is parsed: False only when `matches` would be
        False too. The regex is searched as `matches` does; each plain-ASCII type, rig and actor
        must appear in the line's bytes, and each word in an ASCII line's (lowercase folding of
        other text is left to `matches`). Assumes what every JSON writer does: printable ASCII
        but quote and backslash is written as is."""
        words = self.words if line.isascii() else ()
        lowered = line.lower() if words else line
        ops = () if "?" in self.ops else self.ops  # a malformed line's op is "?", not in it
        return (
            all(_absent_ok(word, lowered) for word in words)
            and all(any(_absent_ok(value, line) for value in values) or not values
                    for values in (ops, self.rigs, self.actors))
            and (self.pattern is None
                 or self.pattern.search(line.decode("utf-8", "replace")) is not None)
        )  # fmt: skip

    def matches(self, line: bytes, event: FeedEvent) -> bool:
        if self.ops and event.op not in self.ops:
            return False
        if self.rigs and event.rig not in self.rigs:
            return False
        if self.actors and not any(event.actor.startswith(a) for a in self.actors):
            return False
        text = line.decode("utf-8", "replace").lower()
        if any(word not in text for word in self.words):
            return False
        return (
            self.pattern is None or self.pattern.search(line.decode("utf-8", "replace")) is not None
        )


def _absent_ok(needle: str, line: bytes) -> bool:
    """True unless `needle` surely is not in `line` (it is plain ASCII JSON keeps as is)."""
    if not needle.isascii() or '"' in needle or "\\" in needle or not needle.isprintable():
        return True
    return needle.encode() in line


def parse_query(text: str) -> FeedQuery:
    """`words`, `/regex/`, `type:OP`, `rig:NAME`, `actor:ADDR` (an actor prefix); all must hold."""
    words: list[str] = []
    ops: list[str] = []
    rigs: list[str] = []
    actors: list[str] = []
    pattern = None
    stripped = text.strip()
    regex = re.search(r"(?:^|\s)/(.+)/(?:\s|$)", stripped)
    if regex:
        try:
            pattern = re.compile(regex.group(1), re.IGNORECASE)
        except re.error as error:
            raise QueryError(f"bad regex /{regex.group(1)}/: {error}") from error
        stripped = (stripped[: regex.start()] + " " + stripped[regex.end() :]).strip()
    for token in stripped.split():
        key, sep, value = token.partition(":")
        if sep and value and key in ("type", "op"):
            ops.append(value)
        elif sep and value and key == "rig":
            rigs.append(value)
        elif sep and value and key == "actor":
            actors.append(value)
        else:
            words.append(token.lower())
    return FeedQuery(tuple(words), pattern, tuple(ops), tuple(rigs), tuple(actors))


def events_after(path: Path, offset: int) -> tuple[list[FeedEvent], int]:
    """The complete events after byte `offset`, and the offset after the last of them (a line
    still being written is left for the next call)."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except FileNotFoundError:
        return [], offset
    end = data.rfind(b"\n")
    if end == -1:
        return [], offset
    rows: list[FeedEvent] = []
    start = 0
    while start <= end:
        stop = data.index(b"\n", start)
        if data[start:stop].strip():
            rows.append(parse_event(data[start:stop], offset + start))
        start = stop + 1
    return rows, offset + end + 1


def iter_lines(lines: list[bytes]) -> Iterator[tuple[bytes, FeedEvent]]:
    for line in lines:
        yield line, parse_event(line)
