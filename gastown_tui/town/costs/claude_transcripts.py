"""Token usage of a Claude Code session, read from its transcript (best effort).

Claude Code keeps one JSONL transcript per conversation in
`~/.claude/projects/<escaped cwd>/<session uuid>.jsonl`, the cwd escaped by turning every
character other than a letter or digit into `-` (`/work/a.b` → `-work-a-b`). Each assistant
line carries `message.usage` (input_tokens, output_tokens, cache_creation_input_tokens,
cache_read_input_tokens) and `message.model`; one API response spans several lines (one per
content block) with the same `message.id`, so each id is counted once. Lines older than the
session's start (a worktree path reused by a later session) are skipped by their `timestamp`.
Unreadable files and malformed lines are skipped: this is an estimate, never a failure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gastown_tui.core.timestamps import parse_ts

_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


@dataclass(frozen=True)
class TranscriptUsage:
    model: str
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int

    @property
    def all_input_tokens(self) -> int:
        return self.input_tokens + self.cache_write_tokens + self.cache_read_tokens


def project_folder(home: Path, cwd: Path) -> Path:
    return home / ".claude" / "projects" / _NOT_ALNUM.sub("-", str(cwd))


def _count(usage: dict[str, Any], key: str) -> int:
    value = usage.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _line_time(line: dict[str, Any]) -> datetime | None:
    stamp = line.get("timestamp")
    if not isinstance(stamp, str):
        return None
    return parse_ts(stamp)


def transcript_usage(home: Path, cwd: Path, since: datetime | None) -> TranscriptUsage | None:
    """The summed usage of every transcript of `cwd` from `since` on; None when none is found."""
    folder = project_folder(home, cwd)
    try:
        files = sorted(folder.glob("*.jsonl"))
    except OSError:
        return None
    seen: set[str] = set()
    totals = [0, 0, 0, 0]
    models: list[str] = []
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for text in lines:
            try:
                line = json.loads(text)
            except ValueError:
                continue
            message = line.get("message") if isinstance(line, dict) else None
            usage = message.get("usage") if isinstance(message, dict) else None
            if not isinstance(message, dict) or not isinstance(usage, dict):
                continue
            when = _line_time(line)
            if since is not None and when is not None and when < since:
                continue
            key = str(message.get("id") or f"{path.name}:{len(seen)}")
            if key in seen:
                continue
            seen.add(key)
            for index, name in enumerate(("input_tokens", "output_tokens",
                                          "cache_creation_input_tokens",
                                          "cache_read_input_tokens")):  # fmt: skip
                totals[index] += _count(usage, name)
            model = message.get("model")
            if isinstance(model, str) and model and not model.startswith("<"):
                models.append(model)
    if not seen:
        return None
    model = max(set(models), key=models.count) if models else ""
    return TranscriptUsage(model, *totals)
