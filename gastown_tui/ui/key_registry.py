"""Every key of the control room, in one table (DESIGN §7).

The same entries make the bindings (so the footer shows them), the help screen and the command
palette: an action that exists is reachable from all three. Ids are stable (`app.attach`) so a
user keymap can move a key without touching code. Movement keys (`j`/`k`, arrows, tab) belong
to the widgets and never carry an action.

The table is over 300 lines because it is one entry per key, each with its help text: kept
in one place so the footer, help screen, palette and README cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class KeySpec:
    id: str
    key: str
    action: str
    label: str  # the footer's word
    help: str  # the help screen's and the palette's sentence
    group: str
    show: bool = True  # in the footer
    palette: bool = True  # in the command palette (keys like tab are not commands)


AGENTS, TRIAGE, VIEW, APP = "Agents", "Escalation triage", "View", "App"

DASHBOARD_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "dash.attach",
        "a",
        "app.attach",
        "attach",
        "Attach to the selected polecat's tmux session (detach with C-b d)",
        AGENTS,
    ),
    KeySpec(
        "dash.peek",
        "v",
        "app.peek",
        "peek",
        "Peek: a read-only full-screen view of the selected polecat's pane",
        AGENTS,
    ),
    KeySpec(
        "dash.nudge",
        "n",
        "app.nudge",
        "nudge",
        "Nudge: type a line into the selected polecat's session",
        AGENTS,
    ),
    KeySpec(
        "dash.sling",
        "s",
        "app.sling",
        "sling",
        "Sling: put a ready bead on a rig's (or a polecat's) hook",
        AGENTS,
    ),
    KeySpec(
        "dash.next",
        "N",
        "app.next_problem",
        "next",
        "Next thing that needs you: stalled or dead agents, unacknowledged escalations, "
        "failed merges, stranded convoys",
        AGENTS,
    ),
    KeySpec(
        "dash.ack",
        "A",
        "app.ack",
        "ack",
        "Acknowledge the selected escalation (stops its automatic raising)",
        TRIAGE,
    ),
    KeySpec(
        "dash.reply",
        "r",
        "app.reply",
        "reply",
        "Reply to the selected escalation: mail to the agent and a nudge",
        TRIAGE,
    ),
    KeySpec(
        "dash.reassign",
        "R",
        "app.reassign",
        "reassign",
        "Reassign the escalated bead to another polecat",
        TRIAGE,
    ),
    KeySpec(
        "dash.resolve",
        "x",
        "app.resolve",
        "resolve",
        "Resolve the selected escalation with a reason (the decision)",
        TRIAGE,
    ),
    KeySpec(
        "dash.raise",
        "plus",
        "app.raise_severity",
        "raise",
        "Raise the selected escalation's severity one step",
        TRIAGE,
        show=False,
    ),
    KeySpec(
        "dash.seance",
        "S",
        "app.seance",
        "seance",
        "Seance: the selected polecat's earlier sessions, what each did and how it ended",
        AGENTS,
        show=False,
    ),
    KeySpec(
        "dash.cv_board",
        "C",
        "app.cv_board",
        "CVs",
        "CV board: every agent's record side by side (or every model's), sortable",
        VIEW,
        show=False,
    ),
    KeySpec(
        "dash.open",
        "enter",
        "app.open",
        "open",
        "Open the selected thing: bead, escalation, merge request, convoy",
        VIEW,
        show=False,
    ),
    KeySpec(
        "dash.filter",
        "slash",
        "app.filter",
        "filter",
        "Filter the feed: text or /regex/, type:OP, rig:NAME, actor:ADDR",
        VIEW,
    ),
    KeySpec(
        "dash.follow",
        "f",
        "app.follow",
        "follow",
        "Follow the feed again (newest first, live)",
        VIEW,
        show=False,
    ),
    KeySpec(
        "dash.next_panel",
        "tab",
        "app.focus_next",
        "panel",
        "Next panel",
        VIEW,
        show=False,
        palette=False,
    ),
    KeySpec(
        "dash.previous_panel",
        "shift+tab",
        "app.focus_previous",
        "panel",
        "Previous panel",
        VIEW,
        show=False,
        palette=False,
    ),
)

RECORDS = "Convoys and CVs"

# Keys of the convoy detail and CV board screens (their actions also work from the palette).
CONVOY_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "convoy.land",
        "L",
        "app.land_convoy",
        "land",
        "Land the convoy on screen (or selected): close it once every member is, and notify",
        RECORDS,
    ),
)
CV_BOARD_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "cv_board.by",
        "m",
        "app.cv_board_by",
        "agents/models",
        "CV board: show agents, or the same figures per model",
        RECORDS,
    ),
    KeySpec(
        "cv_board.sort",
        "o",
        "app.cv_board_sort",
        "sort",
        "CV board: sort by the next figure (name, tasks, success, rework, time)",
        RECORDS,
    ),
)

APP_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "app.palette",
        "ctrl+p",
        "command_palette",
        "palette",
        "Command palette: every action by name",
        APP,
        show=False,
    ),  # the footer shows it
    KeySpec(
        "app.theme",
        "t",
        "cycle_theme",
        "theme",
        "Next theme (Gas Town, daylight, high contrast); remembered",
        APP,
        show=False,
    ),
    KeySpec("app.help", "question_mark", "help", "help", "Help: every key", APP),
    KeySpec(
        "app.back",
        "escape",
        "close_screen",
        "back",
        "Back to the previous screen",
        APP,
        show=False,
        palette=False,
    ),
    KeySpec("app.quit", "q", "quit", "quit", "Quit the control room", APP),
)

ALL_KEYS = DASHBOARD_KEYS + CONVOY_KEYS + CV_BOARD_KEYS + APP_KEYS

BROWSE = "Beads browser (gt tui --beads)"

BROWSER_KEYS: tuple[KeySpec, ...] = (
    KeySpec("browser.open_view", "1", "view('open')", "open", "Show open issues", BROWSE),
    KeySpec(
        "browser.ready_view",
        "2",
        "view('ready')",
        "ready",
        "Show the ready queue: open, nothing blocking",
        BROWSE,
    ),
    KeySpec(
        "browser.blocked_view",
        "3",
        "view('blocked')",
        "blocked",
        "Show blocked issues (waiting on an open dependency)",
        BROWSE,
    ),
    KeySpec("browser.all_view", "4", "view('all')", "all", "Show every issue", BROWSE),
    KeySpec(
        "browser.filter",
        "slash",
        "filter",
        "filter",
        "Filter the issues by text (id, title, status, type, assignee, label)",
        BROWSE,
    ),
    KeySpec(
        "browser.open",
        "enter",
        "open_issue",
        "detail",
        "Open the selected issue: description, dependencies, dependents, comments",
        BROWSE,
        show=False,
    ),
    KeySpec(
        "browser.palette",
        "ctrl+p",
        "command_palette",
        "palette",
        "Command palette: every browser action by name",
        APP,
        show=False,
    ),
    KeySpec("browser.help", "question_mark", "help", "help", "Help: every browser key", APP),
    KeySpec(
        "browser.back",
        "escape",
        "leave",
        "back",
        "Back: close the detail, help or filter",
        APP,
        show=False,
        palette=False,
    ),
    KeySpec("browser.quit", "q", "quit", "quit", "Quit the beads browser", APP),
)


def bindings(specs: tuple[KeySpec, ...]) -> list[Binding]:
    return [
        Binding(spec.key, spec.action, spec.label, show=spec.show, id=spec.id, tooltip=spec.help)
        for spec in specs
    ]


def key_display(key: str) -> str:
    """How a key reads on the help screen."""
    names = {
        "plus": "+",
        "slash": "/",
        "question_mark": "?",
        "enter": "Enter",
        "escape": "Esc",
        "tab": "Tab",
        "shift+tab": "Shift+Tab",
    }
    return names.get(key, key.replace("ctrl+", "^"))
