"""How the beads browser writes an issue, its rows and its header: every piece of the user's
text through `safe()` (Rich markup, ANSI escapes and control characters show as text)."""

from __future__ import annotations

from rich.text import Text

from gastown_tui.store.beads_mirror_view import DepLink, IssueDetail, IssueRow, MirrorView
from gastown_tui.ui.display import safe, safe_block

STATUS_STYLES = {
    "open": "bold",
    "in_progress": "bold cyan",
    "blocked": "yellow",
    "closed": "dim",
    "deferred": "dim italic",
}
COLUMNS: tuple[tuple[str, int | None], ...] = (
    ("id", 18),
    ("P", 3),
    ("status", 12),
    ("type", 8),
    ("title", None),
)


def row_cells(row: IssueRow) -> tuple[Text, ...]:
    mark = " ●" if row.ready else (" ⊘" if row.blocked else "")
    status = safe(row.status, STATUS_STYLES.get(row.status, ""))
    status.append(mark, style="green" if row.ready else "yellow")
    return (
        safe(row.id, "bold" if row.status != "closed" else "dim"),
        Text(f"P{row.priority}", end=""),
        status,
        safe(row.issue_type, "dim"),
        safe(row.title, "dim" if row.status == "closed" else ""),
    )


def header_text(
    source: str, view: MirrorView | None, *, live: bool, seen_at: str, error: str | None
) -> Text:
    text = Text(end="", no_wrap=True, overflow="ellipsis")
    text.append("beads ", style="bold")
    text.append_text(safe(source))
    text.append("  read-only", style="bold reverse")
    if error is not None:
        text.append("  ")
        text.append_text(safe(error, "bold red"))
        return text
    if view is None:
        text.append("  opening…", style="dim")
        return text
    text.append("\n")
    if live and not view.error:
        text.append(f"● live · {seen_at}  ", style="green")
    else:
        text.append(f"○ stale since {seen_at}  ", style="bold yellow")
    for name in ("open", "ready", "blocked", "closed"):
        text.append(f"{name} ", style="dim")
        text.append(f"{view.count(name)}  ", style="bold")
    if view.problems:
        text.append(f"⚠ {len(view.problems)} unreadable  ", style="bold yellow")
    if view.error:
        text.append_text(safe(view.error, "bold red"))
    return text


def issue_text(detail: IssueDetail) -> Text:
    row = detail.row
    text = Text(end="")
    text.append_text(safe(row.title or "(no title)", "bold"))
    text.append("\n")
    fields = [
        ("id", row.id),
        ("status", row.status + (" · ready" if row.ready else " · blocked" if row.blocked else "")),
        ("priority", f"P{row.priority}"),
        ("type", row.issue_type),
        ("assignee", row.assignee or "-"),
        ("labels", ", ".join(row.labels) or "-"),
    ]
    for name, value in fields:
        text.append(f"{name:>9}: ", style="dim")
        text.append_text(safe(value))
        text.append("\n")
    text.append("\nDescription\n", style="bold underline")
    text.append_text(safe_block(detail.description or "(none)"))
    text.append("\n\nDepends on\n", style="bold underline")
    _links(text, detail.depends_on)
    text.append("\nDependents\n", style="bold underline")
    _links(text, detail.dependents)
    text.append(f"\nComments ({len(detail.comments)})\n", style="bold underline")
    for comment in detail.comments:
        text.append(f"{comment.created_at[:19].replace('T', ' ')}  ", style="dim")
        text.append_text(safe(comment.author or "-", "bold"))
        text.append("\n")
        text.append_text(safe_block(comment.text))
        text.append("\n")
    return text


def _links(text: Text, links: tuple[DepLink, ...]) -> None:
    if not links:
        text.append("(none)\n", style="dim")
    for link in links:
        text.append_text(safe(f"{link.type:>14} ", "dim"))
        text.append_text(safe(link.id))
        text.append_text(safe(f" [{link.status}] ", STATUS_STYLES.get(link.status, "dim")))
        text.append_text(safe(link.title))
        text.append("\n")


def tail_text(lines: list[tuple[str, str]]) -> Text:
    """The live tail, newest first: (time, line)."""
    text = Text(end="", no_wrap=True, overflow="ellipsis")
    if not lines:
        text.append("no changes since opening; the file is watched", style="dim")
    for index, (at, line) in enumerate(lines):
        if index:
            text.append("\n")
        text.append(f"{at}  ", style="dim")
        text.append_text(safe(line))
    return text
