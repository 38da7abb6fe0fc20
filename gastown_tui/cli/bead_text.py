"""Text renderings of beads for humans: control characters always shown, never emitted."""

from __future__ import annotations

from typing import Any

from gastown_tui.core import record as rec
from gastown_tui.core.display_text import visible


def one_line(record: rec.Record) -> str:
    bead_id = visible(str(record.get("id", "")))
    status = visible(rec.status_of(record))
    kind = visible(rec.type_of(record))
    assignee = record.get("assignee")
    who = f" @{visible(assignee)}" if isinstance(assignee, str) and assignee else ""
    title = visible(str(record.get("title", "")))
    return f"{bead_id}  [P{rec.priority_of(record)}] [{kind}] {status}{who}  {title}"


def details(view: dict[str, Any]) -> list[str]:
    lines = [one_line(view)]
    for key in ("created_at", "updated_at", "closed_at", "close_reason", "created_by", "owner",
                "defer_until", "parent"):  # fmt: skip
        value = view.get(key)
        if value not in (None, ""):
            lines.append(f"  {key}: {visible(str(value))}")
    labels = rec.labels_of(view)
    if labels:
        lines.append("  labels: " + ", ".join(visible(label) for label in labels))
    metadata = rec.metadata_of(view)
    for key, value in metadata.items():
        lines.append(f"  metadata.{visible(str(key))}: {visible(str(value))}")
    for dep in rec.dependencies_of(view):  # linked issues (show) or stored edges (lists)
        target = visible(str(dep.get("id", dep.get("depends_on_id", ""))))
        kind = visible(str(dep.get("dependency_type", dep.get("type", "blocks"))))
        lines.append(f"  depends on {target} ({kind})")
    for dependent in rec.dependency_list(view.get("dependents")):
        kind = visible(str(dependent["dependency_type"]))
        lines.append(f"  needed by {visible(str(dependent['id']))} ({kind})")
    for key in ("description", "design", "acceptance_criteria", "notes"):
        value = view.get(key)
        if isinstance(value, str) and value:
            lines.append(f"\n{key.replace('_', ' ').capitalize()}:")
            lines.append(visible(value, keep_newlines=True))
    for comment in rec.comments_of(view):
        author = visible(str(comment.get("author", "")))
        when = visible(str(comment.get("created_at", "")))
        lines.append(
            f"\n[{when}] {author}:\n{visible(str(comment.get('text', '')), keep_newlines=True)}"
        )
    return lines
