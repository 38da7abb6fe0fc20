"""`TownHeader`: the town, its data source, the counts that matter, and a banner when a source
is degraded (tmux down, log unreadable, projection rebuilding): never a quiet "all clear"."""

from __future__ import annotations

import os
from collections.abc import Mapping

from rich.text import Text
from textual.widgets import Static

from gastown_tui.town.read_model.views import TownSnapshot
from gastown_tui.ui.display import safe, themed


class TownHeader(Static):
    DEFAULT_CSS = """
    TownHeader { height: auto; background: $panel; color: $foreground; padding: 0 1;
                 text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, source: str, **kwargs: object) -> None:
        super().__init__(Text(f"Gas Town · {source} · starting…"), **kwargs)  # type: ignore[arg-type]
        self.source = source
        self._shown: Text | None = None
        self.progress: float | None = None
        self._last: tuple[TownSnapshot | None, Mapping[str, str]] | None = None

    def on_resize(self) -> None:
        if self._last is not None:
            self.show(*self._last)

    def show(self, snapshot: TownSnapshot | None, colors: Mapping[str, str]) -> None:
        self._last = (snapshot, colors)
        text = header_text(snapshot, self.source, self.progress, colors)
        width = self.content_region.width
        if width and len(text.plain.split("\n", 1)[0]) > width:
            # Too narrow for the words: the marks alone (● 3 ◐ 1 ⚠ 0 ✗ 1) keep every count.
            text = header_text(snapshot, self.source, self.progress, colors, compact=True)
        if (
            self._shown is None
            or text.plain != self._shown.plain
            or text.spans != self._shown.spans
        ):
            self._shown = text
            self.update(text)


def header_text(
    snapshot: TownSnapshot | None,
    source: str,
    progress: float | None,
    colors: Mapping[str, str],
    *,
    compact: bool = False,
) -> Text:
    def style(spec: str) -> str:
        return themed(spec, colors)

    line = Text(no_wrap=True, overflow="ellipsis", end="")
    line.append("Gas Town", style=style("bold $primary"))
    if snapshot is None:
        line.append(" · ")
        line.append_text(safe(source))
        line.append(" · reading…" if progress is None else f" · rebuilding {progress:.0%}")
        return line
    if compact:
        line = Text(no_wrap=True, overflow="ellipsis", end="")  # the town's name says enough
    else:
        line.append(" · ")
    line.append_text(safe(snapshot.town, style("bold")))
    line.append(" · ")
    line.append_text(safe(short_path(source), "dim"))
    log = snapshot.source("log")
    live = log is not None and log.ok
    line.append(" · ")
    line.append("live" if live else "stale", style=style("$success" if live else "bold $error"))
    counts = snapshot.counts
    line.append(" │ ", style="dim")
    words = not compact
    _count(line, "●", counts.working, "working", style("$success"), words)
    if counts.waiting:
        _count(line, "◐", counts.waiting, "waiting", style("$warning"), words)
    _count(line, "⚠", counts.stalled, "stalled", style("$warning" if counts.stalled else "dim"),
           words)  # fmt: skip
    _count(line, "✗", counts.zombie, "zombie", style("$error" if counts.zombie else "dim"), words)
    if counts.unknown:
        _count(line, "?", counts.unknown, "unknown", style("$warning"), words)
    line.append("HELP ", style=style("bold $error" if counts.unacked_help else "dim"))
    line.append(f"{counts.open_help}", style=style("bold $error" if counts.unacked_help else ""))
    if counts.unacked_help:
        line.append(f" ({counts.unacked_help} new)", style=style("$error"))
    line.append("  MQ ", style="dim")
    line.append(str(counts.mq_length))
    if counts.failed_merges:
        line.append(f" ({counts.failed_merges} failed)", style=style("$error"))
    line.append("  convoys ", style="dim")
    line.append(f"{counts.convoys_in_flight}/{counts.convoys_total}")
    line.append("  $", style="dim")  # what every session has spent (usage events; sim: 0)
    line.append(f"{snapshot.cost_usd:,.2f}")
    degraded = snapshot.degraded
    if degraded or progress is not None or snapshot.warnings:
        line.append("\n")
        banner = Text(no_wrap=True, overflow="ellipsis", end="")
        label = " DEGRADED " if degraded or progress is not None else " NEEDS YOU "
        banner.append(label, style=style("bold reverse $error"))
        for source_health in degraded:
            banner.append(f"  {source_health.name}: ", style=style("bold $error"))
            banner.append_text(safe(source_health.detail, style("$error")))
        if progress is not None:
            banner.append(f"  projection: rebuilding {progress:.0%}", style=style("$warning"))
        for warning in snapshot.warnings:
            banner.append("  ")
            banner.append_text(safe(warning, style("$warning")))
        line.append_text(banner)
    return line


def _count(line: Text, mark: str, value: int, word: str, style: str, words: bool) -> None:
    line.append(f"{mark} {value} {word}  " if words else f"{mark} {value} ", style=style)


def short_path(path: str, limit: int = 28) -> str:
    """The source as it fits the header: ~ for home, and only its tail when long (the counts
    after it matter more than a long temporary path)."""
    home = os.path.expanduser("~")
    if home not in ("", "/") and path.startswith(home):
        path = "~" + path[len(home) :]
    return path if len(path) <= limit else "…" + path[-(limit - 1) :]
