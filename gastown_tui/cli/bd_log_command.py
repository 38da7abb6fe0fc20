"""`bd log [--follow]`: the raw event stream of the Beads log, straight from `events.jsonl`."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator

from gastown_tui.cli.command_context import CommandContext, CommandError
from gastown_tui.core.display_text import visible
from gastown_tui.core.events import Event
from gastown_tui.store import json_codec
from gastown_tui.store.event_log import EventLog
from gastown_tui.store.log_fold import parse_event
from gastown_tui.store.store_paths import StoreNotFoundError, find_store

POLL_SECONDS = 0.05


def _events(log: EventLog, offset: int, number: int) -> Iterator[tuple[Event, int]]:
    for line in log.lines_from(offset, number):
        if line.text.strip():
            event, _ = parse_event(line.text)
            if event is not None:
                yield event, line.end


def _wanted(ctx: CommandContext, event: Event) -> bool:
    return (ctx.args.bead is None or event.get("bead") == ctx.args.bead) and (
        ctx.args.op is None or event.get("op") == ctx.args.op
    )


def _text(event: Event) -> str:
    data = json_codec.dumps(event.get("data", {})).decode()
    if len(data) > 200:
        data = data[:199] + "…"
    parts = (event.get("ts"), event.get("actor"), event.get("op"), event.get("bead"), data)
    return "  ".join(visible(str(part or "")) for part in parts)


def cmd_log(ctx: CommandContext) -> None:
    try:
        paths = find_store()
    except StoreNotFoundError as error:
        raise CommandError(str(error)) from error
    log = EventLog(paths.events)
    limit = ctx.args.limit
    recent: deque[Event] = deque(maxlen=limit if limit and limit > 0 else None)
    seen: set[str] = set()
    identity = _identity(log)  # taken first: a replacement during the read is noticed below
    offset = 0
    for event, end in _events(log, 0, 1):
        offset = end
        seen.add(event["id"])
        if _wanted(ctx, event):
            recent.append(event)
    if not ctx.args.follow:
        if ctx.json:
            ctx.emit_json(list(recent))
        else:
            for event in recent:
                ctx.say(_text(event))
        return
    for event in recent:
        _stream(ctx, event)
    while True:
        if _identity(log) != identity or log.size() < offset:
            # Replaced (a git pull merged other clones' events in, anywhere in the file): read
            # it again from the top and show only the events not seen before.
            identity, offset = _identity(log), 0
        if log.size() > offset:
            for event, end in _events(log, offset, 1):
                offset = end
                if event["id"] not in seen:
                    seen.add(event["id"])
                    if _wanted(ctx, event):
                        _stream(ctx, event)
        time.sleep(POLL_SECONDS)


def _identity(log: EventLog) -> int:
    try:
        return log.path.stat().st_ino
    except FileNotFoundError:
        return -1


def _stream(ctx: CommandContext, event: Event) -> None:
    if ctx.json:
        ctx.stdout.write(json_codec.dumps(event).decode() + "\n")
    else:
        ctx.say(_text(event))
    ctx.stdout.flush()
