"""The boards of the dashboard: escalations (with the selected one's HELP body), convoys and
the Refinery queue. Each turns its slice of the snapshot into keyed rows; a board whose source
could not be read says so in its title instead of looking empty."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from gastown_tui.core.cv_figures import short_duration
from gastown_tui.core.timestamps import parse_ts
from gastown_tui.town.read_model.views import (
    ConvoyView,
    EscalationView,
    MergeRequestView,
    TownSnapshot,
)
from gastown_tui.ui.display import (
    MR_GLYPHS,
    SEVERITY_SHORT,
    SEVERITY_STYLES,
    age_since,
    bar,
    safe,
    safe_block,
    themed,
)
from gastown_tui.ui.widgets.keyed_table import KeyedTable, Row


class EscalationTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        columns = [("sev", 4), ("agent", 8), ("issue", 8), ("problem", None), ("age", 4)]
        super().__init__(columns, **kwargs)


class ConvoyTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        super().__init__([("convoy", None), ("progress", 14), ("", 8)], **kwargs)


class RefineryTable(KeyedTable):
    def __init__(self, **kwargs: object) -> None:
        super().__init__([("#", 2), ("state", 10), ("worker/bead", None)], **kwargs)


def escalation_rows(
    escalations: tuple[EscalationView, ...], now: datetime, colors: Mapping[str, str]
) -> list[Row]:
    rows: list[Row] = []
    for esc in escalations:
        style = themed(SEVERITY_STYLES.get(esc.severity, ""), colors)
        severity = Text(SEVERITY_SHORT.get(esc.severity, esc.severity[:4]), style=style)
        if not esc.acknowledged:
            severity.stylize("reverse")
        agent = esc.agent.rsplit("/", 1)[-1]
        rows.append(
            (
                esc.id,
                (
                    severity,
                    safe(agent),
                    safe(esc.issue or "-", "dim"),
                    safe(esc.problem),
                    Text(age_since(parse_ts(esc.created_at), now), style="dim"),
                ),
            )
        )
    return rows


def escalation_body(esc: EscalationView | None, colors: Mapping[str, str]) -> Text:
    if esc is None:
        return Text("")
    text = Text(end="")
    status = f"acked by {esc.acknowledged_by}" if esc.acknowledged else "NOT ACKNOWLEDGED"
    text.append(f"{esc.severity} ", style=themed(SEVERITY_STYLES.get(esc.severity, ""), colors))
    text.append_text(safe(esc.id, "dim"))
    text.append(f"  {status}", style="dim" if esc.acknowledged else themed("bold $error", colors))
    if esc.reescalations:
        text.append(f"  raised {esc.reescalations}×", style="dim")
    for label, value in (
        ("Agent", esc.agent),
        ("Issue", esc.issue or "-"),
        ("Problem", esc.problem),
        ("Tried", esc.tried or "-"),
    ):
        text.append(f"\n{label}: ", style="bold")
        text.append_text(safe_block(value))
    return text


def convoy_rows(convoys: tuple[ConvoyView, ...], colors: Mapping[str, str]) -> list[Row]:
    rows: list[Row] = []
    for convoy in convoys:
        state = Text("")
        if convoy.landed:
            state = Text("landed", style=themed("$success", colors))
        elif convoy.stranded:
            state = Text("STRANDED", style=themed("bold $error", colors))
        elif convoy.total and convoy.closed == convoy.total:
            state = Text("complete", style=themed("$success", colors))  # lands on the next patrol
        elif convoy.eta_seconds is not None:  # from the CVs' hook→merge times
            state = Text(f"~{short_duration(convoy.eta_seconds)}", style="dim")
        progress = Text(bar(convoy.fraction, 8), style=themed("$primary", colors))
        progress.append(f" {convoy.closed}/{convoy.total}", style="")
        rows.append((convoy.id, (safe(convoy.title), progress, state)))
    return rows


def refinery_rows(
    merge_requests: tuple[MergeRequestView, ...], colors: Mapping[str, str]
) -> list[Row]:
    rows: list[Row] = []
    for mr in merge_requests:
        mark, style = MR_GLYPHS.get(mr.state, ("?", ""))
        state = Text(f"{mark} {mr.state}", style=themed(style, colors))
        who = Text(no_wrap=True, end="")
        who.append_text(safe(mr.worker.rsplit("/", 1)[-1]))
        who.append("/", style="dim")
        who.append_text(safe(mr.bead))
        if mr.attempt > 1:
            who.append(f" r{mr.attempt}", style=themed("$warning", colors))
        if mr.detail and mr.state in ("failed", "conflict", "rejected"):
            who.append(" ")
            who.append_text(safe(mr.detail, "dim"))
        position = Text(str(mr.position) if mr.position else "", style="bold")
        rows.append((mr.id, (position, state, who)))
    return rows


class EscalationPanel(Vertical):
    """The escalation table and, under it, the selected escalation's HELP body."""

    DEFAULT_CSS = """
    EscalationPanel { height: 1fr; }
    EscalationPanel > EscalationTable { height: 1fr; }
    EscalationPanel > #escalation-body { height: auto; max-height: 7; padding: 0 1;
                                         background: $surface; }
    """

    def compose(self) -> ComposeResult:
        yield EscalationTable(id="escalations")
        yield Static(id="escalation-body")

    def show(self, snapshot: TownSnapshot, colors: Mapping[str, str]) -> None:
        table = self.query_one(EscalationTable)
        table.sync(escalation_rows(snapshot.escalations, snapshot.taken_at, colors))
        unacked = snapshot.counts.unacked_help
        projection = snapshot.source("projection")
        if projection is not None and not projection.ok and not snapshot.escalations:
            self.border_title = "Escalations (unknown: the town could not be read)"
        elif snapshot.escalations:
            self.border_title = f"Escalations ({unacked} unacked of {len(snapshot.escalations)})"
        else:
            self.border_title = "Escalations (none open)"
        self.show_body(snapshot, colors)

    def show_body(self, snapshot: TownSnapshot, colors: Mapping[str, str]) -> None:
        key = self.query_one(EscalationTable).selected_key()
        chosen = next((e for e in snapshot.escalations if e.id == key), None)
        self.query_one("#escalation-body", Static).update(escalation_body(chosen, colors))
