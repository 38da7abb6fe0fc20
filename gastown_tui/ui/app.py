"""`ControlRoomApp`: the Gas Town control room (`gt tui`, DESIGN §7).

It owns the follower thread (snapshots in, one at a time), hands snapshots to the dashboard, and
runs every key's engine call in a worker thread with actor `overseer`, then asks the follower to
look again so the result shows at once. Nothing here reads SQLite or tmux on the UI thread.
This module is the app's glue and keeps each action to a few lines, which makes it longer than
most (about 400 lines): splitting the actions from the app would only add indirection.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.widgets import DataTable, Tree

from gastown_tui.core.timestamps import format_ts
from gastown_tui.resources import shipped_dir
from gastown_tui.store.readiness import ready
from gastown_tui.town.comms.escalation_reply import reply_to_escalation
from gastown_tui.town.comms.escalation_triage import (
    ack_escalation,
    raise_escalation,
    resolve_escalation,
)
from gastown_tui.town.comms.nudges import nudge
from gastown_tui.town.read_model.details import bead_detail, molecule_view
from gastown_tui.town.read_model.views import TownSnapshot
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.reassign import reassign_escalation
from gastown_tui.town.work.sling import sling
from gastown_tui.ui.display import safe
from gastown_tui.ui.engine_session import OVERSEER, EngineSession
from gastown_tui.ui.follower import SnapshotFollower
from gastown_tui.ui.key_registry import ALL_KEYS, APP_KEYS, bindings
from gastown_tui.ui.messages import (
    ActionDone,
    AttachRequested,
    LogGrew,
    MoleculeRead,
    PaneCaptured,
    RebuildProgress,
    SnapshotReady,
)
from gastown_tui.ui.record_screens import RecordScreensApp
from gastown_tui.ui.screens.bead_detail import BeadDetailScreen
from gastown_tui.ui.screens.dashboard import DashboardScreen
from gastown_tui.ui.screens.help_screen import HelpScreen
from gastown_tui.ui.screens.peek import PeekScreen
from gastown_tui.ui.screens.prompts import Picker, TextPrompt
from gastown_tui.ui.theme_loader import load_themes
from gastown_tui.ui.ui_settings import UiSettings, load_settings, save_settings, settings_path
from gastown_tui.ui.widgets.agent_panel import AgentPanel
from gastown_tui.ui.widgets.board_panels import EscalationTable, RefineryTable
from gastown_tui.ui.widgets.keyed_table import KeyedTable
from gastown_tui.ui.widgets.rigs_tree import RigsTree
from gastown_tui.ui.widgets.town_header import TownHeader

EngineCall = Callable[[Town], str]
AttachRunner = Callable[[list[str], bool], int]
PREVIEW_INTERVAL = 1.0  # seconds between captures of the selected agent's pane


class ControlRoomApp(RecordScreensApp):
    CSS_PATH = str(shipped_dir("themes") / "control_room.tcss")
    BINDINGS = bindings(APP_KEYS)  # type: ignore[assignment]
    TITLE = "Gas Town"

    def __init__(
        self,
        session: EngineSession,
        *,
        tick: float = 2.0,
        settings_file: Path | None = None,
        source_label: str | None = None,
        attach_runner: AttachRunner | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.tick = tick
        self.settings_file = settings_file or settings_path(session.environ)
        self.settings = load_settings(self.settings_file)
        self.snapshot: TownSnapshot | None = None
        self.progress: float | None = None
        self.stop_event = threading.Event()
        self.follower = SnapshotFollower(session, self.post_message, self.stop_event, tick)
        self.attach_runner = attach_runner or run_attach
        self.attached: list[list[str]] = []  # every attach command run (for the operator's log)
        self.dashboard = DashboardScreen(
            source_label or str(session.root), feed_log=session.beads_dir / "events.jsonl"
        )
        self._preview_session: str | None = None
        self._molecule_for: tuple[str, str] | None = None

    # -- start and stop -----------------------------------------------------------------------

    def on_mount(self) -> None:
        loaded = load_themes()
        for theme in loaded.themes:
            self.register_theme(theme)
        for problem in loaded.problems:
            self.notify(problem, title="theme skipped", severity="warning")
        names = [theme.name for theme in loaded.themes]
        self.theme = self.settings.theme if self.settings.theme in names else names[0]
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.push_screen(self.dashboard)
        self.run_worker(
            self.follower.run, thread=True, group="follow", exit_on_error=False, name="follower"
        )
        self.set_interval(PREVIEW_INTERVAL, self._capture_preview)

    def on_unmount(self) -> None:
        self.follower.close()

    def _remember_theme(self, _: object) -> None:
        save_settings(self.settings_file, UiSettings(theme=self.theme))
        if self.snapshot is not None:
            self.dashboard.show(self.snapshot, self.theme_colors(), self.progress)

    def theme_colors(self) -> dict[str, str]:
        return self.get_css_variables()

    # -- data in ------------------------------------------------------------------------------

    def _panels_up(self) -> bool:
        """False while the app shuts down: its widgets go before the last messages arrive (the
        dashboard's children are removed one by one, so every panel is checked)."""
        wanted = (TownHeader, RigsTree, AgentPanel, EscalationTable, RefineryTable)
        return all(len(self.dashboard.query(kind)) for kind in wanted)

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        if not self._panels_up():
            return
        self.snapshot = message.snapshot
        self.progress = None
        self.dashboard.show(message.snapshot, self.theme_colors(), None)
        self._read_molecule()
        self.follower.taken()

    def on_rebuild_progress(self, message: RebuildProgress) -> None:
        if not self._panels_up():
            return
        self.progress = message.done / message.total if message.total else None
        self.dashboard.query_one("#header").progress = self.progress  # type: ignore[attr-defined]
        self.dashboard.query_one("#header").show(self.snapshot, self.theme_colors())  # type: ignore[attr-defined]

    def on_log_grew(self, message: LogGrew) -> None:
        feed = self.dashboard.feed
        if feed is not None:
            feed.log_changed(message.size, message.reset)

    def on_rigs_tree_polecat_selected(self, message: RigsTree.PolecatSelected) -> None:
        if not self._panels_up():
            return
        self.dashboard.show_agent(self.theme_colors())
        self._read_molecule()
        self._capture_preview()

    def on_keyed_table_row_chosen(self, message: KeyedTable.RowChosen) -> None:
        if self.snapshot is not None and message.table.id == "escalations" and self._panels_up():
            self.dashboard.query_one("#escalation-panel").show_body(  # type: ignore[attr-defined]
                self.snapshot, self.theme_colors()
            )

    def on_molecule_read(self, message: MoleculeRead) -> None:
        if not self._panels_up():
            return
        panel = self.dashboard.query_one(AgentPanel)
        if panel.polecat is not None and panel.polecat.address == message.address:
            panel.show_molecule(message.molecule, self.theme_colors(), message.error)

    def on_pane_captured(self, message: PaneCaptured) -> None:
        screen = self.screen
        if isinstance(screen, PeekScreen) and screen.session == message.session:
            screen.show(message.text, message.error)
            return
        if not self._panels_up():
            return
        panel = self.dashboard.query_one(AgentPanel)
        if panel.polecat is not None and panel.polecat.session == message.session:
            panel.show_pane(message.text, message.error)

    def on_action_done(self, message: ActionDone) -> None:
        self.notify(
            message.text,
            severity="information" if message.ok else "error",
            timeout=4 if message.ok else 8,
        )
        self.follower.poke()

    def on_attach_requested(self, message: AttachRequested) -> None:
        self.attach_session(message.session)

    def _read_molecule(self) -> None:
        panel = self.dashboard.query_one(AgentPanel)
        polecat = panel.polecat
        current = polecat.first_hooked if polecat else None
        wanted = (polecat.address, current.id) if polecat and current else None
        if wanted == self._molecule_for:
            return
        self._molecule_for = wanted
        if wanted is None:
            panel.show_molecule(None, self.theme_colors())
            return
        self._load_molecule(*wanted)

    @work(thread=True, group="molecule", exclusive=True, exit_on_error=False)
    def _load_molecule(self, address: str, bead_id: str) -> None:
        try:
            with self.session.town() as town:
                molecule = molecule_view(town.store, bead_id)
        except Exception as error:  # shown in the panel, never a crash
            self.post_message(MoleculeRead(address, None, f"{type(error).__name__}: {error}"))
            return
        self.post_message(MoleculeRead(address, molecule))

    def _capture_preview(self) -> None:
        """Only the pane on screen is captured: the selected agent's, while the dashboard shows."""
        if self.screen is not self.dashboard or not self._panels_up():
            return
        panel = self.dashboard.query_one(AgentPanel)
        session = panel.polecat.session if panel.polecat else None
        if session is None or not panel.display:
            return
        self._capture(session)

    @work(thread=True, group="capture", exclusive=True, exit_on_error=False)
    def _capture(self, session: str) -> None:
        with self.session.town() as town:
            try:
                text = town.tmux.capture(session, lines=60)
            except Exception as error:  # tmux gone, session gone: shown, never raised
                self.post_message(PaneCaptured(session, "", str(error)))
                return
        self.post_message(PaneCaptured(session, text))

    # -- engine calls -------------------------------------------------------------------------

    def run_engine(self, call: EngineCall) -> None:
        self._engine(call)

    @work(thread=True, group="engine", exit_on_error=False)
    def _engine(self, call: EngineCall) -> None:
        try:
            with self.session.town() as town:
                said = call(town)
        except (TownError, OSError, ValueError) as error:
            self.post_message(ActionDone(str(error), ok=False))
            return
        self.post_message(ActionDone(said))

    def _need(self, value: str | None, what: str) -> str | None:
        if value is None:
            self.notify(f"Select {what} first", severity="warning")
        return value

    def action_ack(self) -> None:
        esc = self._need(self.dashboard.selected_escalation(), "an escalation")
        if esc is not None:
            self.run_engine(lambda town: _acked(ack_escalation(town, esc, OVERSEER)[1], esc))

    def action_raise_severity(self) -> None:
        esc = self._need(self.dashboard.selected_escalation(), "an escalation")
        if esc is not None:
            self.run_engine(
                lambda town: (
                    f"{esc} raised to "
                    f"{raise_escalation(town, esc, OVERSEER)['metadata']['severity']}"
                )
            )

    def action_resolve(self) -> None:
        esc = self._need(self.dashboard.selected_escalation(), "an escalation")
        if esc is None:
            return

        def resolve(reason: str | None) -> None:
            if reason:
                self.run_engine(
                    lambda town: _resolved(resolve_escalation(town, esc, OVERSEER, reason))
                )

        self.push_screen(
            TextPrompt(f"Resolve {esc}: the decision", hint="Enter to resolve"), resolve
        )

    def action_reply(self) -> None:
        esc = self._need(self.dashboard.selected_escalation(), "an escalation")
        if esc is None:
            return

        def send(text: str | None) -> None:
            if text:
                self.run_engine(
                    lambda town: _replied(reply_to_escalation(town, esc, text, OVERSEER))
                )

        self.push_screen(TextPrompt(f"Reply to {esc} (mail + nudge to the agent)"), send)

    def action_reassign(self) -> None:
        esc = self._need(self.dashboard.selected_escalation(), "an escalation")
        if esc is None or self.snapshot is None:
            return
        choices = [
            (rig.name, Text(f"{rig.name}  (any idle polecat, or a new one)"))
            for rig in self.snapshot.rigs
        ]
        choices += [
            (f"{p.rig}/{p.name}", _polecat_choice(p.rig, p.name, p.state, len(p.hook)))
            for p in self.snapshot.polecats()
        ]

        def chosen(target: str | None) -> None:
            if target:
                self.run_engine(
                    lambda town: (
                        f"{esc} reassigned to "
                        f"{reassign_escalation(town, esc, target, OVERSEER).sling.agent}"
                    )
                )

        self.push_screen(Picker(f"Reassign the bead of {esc} to…", choices), chosen)

    def action_nudge(self) -> None:
        address = self._need(self.dashboard.selected_polecat(), "a polecat")
        if address is None:
            return

        def send(text: str | None) -> None:
            if text:
                self.run_engine(
                    lambda town: f"nudged {nudge(town, address, text, OVERSEER)['target']}"
                )

        self.push_screen(TextPrompt(f"Nudge {address}: a line typed into its session"), send)

    def action_sling(self) -> None:
        self._sling_choices()

    @work(thread=True, group="engine", exit_on_error=False)
    def _sling_choices(self) -> None:
        with self.session.town() as town:
            found = ready(town.store.connection, format_ts(town.clock.now()), 200)
            rigs = list(town.rigs())
        beads = [
            (str(r["id"]), _bead_choice(r)) for r in found if r.get("issue_type") not in ("epic",)
        ]
        self.call_from_thread(self._pick_bead, beads, rigs)

    def _pick_bead(self, beads: list[tuple[str, Text]], rigs: list[str]) -> None:
        def bead_chosen(bead: str | None) -> None:
            if not bead:
                return
            targets = [(rig, Text(rig)) for rig in rigs]
            if self.snapshot is not None:
                targets += [
                    (f"{p.rig}/{p.name}", _polecat_choice(p.rig, p.name, p.state, len(p.hook)))
                    for p in self.snapshot.polecats()
                ]

            def target_chosen(target: str | None) -> None:
                if target:
                    self.run_engine(
                        lambda town: _slung(
                            sling(
                                town,
                                bead,
                                target,
                                formula="mol-polecat-work",
                                variables={},
                                runtime=None,
                                force=False,
                                actor=OVERSEER,
                            )
                        )
                    )

            self.push_screen(Picker(f"Sling {bead} to…", targets), target_chosen)

        self.push_screen(
            Picker(
                "Sling which ready bead?",
                beads,
                empty="No ready work: every open bead is blocked, deferred or already hooked",
            ),
            bead_chosen,
        )

    def action_next_problem(self) -> None:
        if self.dashboard.next_problem() is None:
            self.notify(
                "Nothing needs you right now: no stalled or dead agents, unacknowledged "
                "escalations, failed merges or stranded convoys"
            )

    def action_filter(self) -> None:
        feed = self.dashboard.feed
        if feed is None:
            return

        def apply(text: str | None) -> None:
            if text is not None:
                feed.apply_query(text)

        self.push_screen(
            TextPrompt(
                "Filter the feed",
                value=feed.query_text,
                allow_empty=True,
                hint="words or /regex/, type:OP rig:NAME actor:ADDR · empty to clear",
            ),
            apply,
        )

    def action_follow(self) -> None:
        if self.dashboard.feed is not None:
            self.dashboard.feed.follow()

    def action_open(self) -> None:
        kind, key = self.dashboard.focused_key()
        if kind == "convoy" and key is not None:
            self.open_convoy(key)  # members by rig and state, and landing (record_screens)
            return
        bead = self._bead_for(kind, key)
        if bead is None and kind == "feed" and self.dashboard.feed is not None:
            bead = self.dashboard.feed.selected_bead()
        if bead is None:
            self.notify("Nothing selected to open", severity="warning")
            return
        self.open_bead(bead)

    def _bead_for(self, kind: str, key: str | None) -> str | None:
        if key is None or self.snapshot is None:
            return None
        if kind == "polecat":
            polecat = self.snapshot.polecat(key)
            first = polecat.first_hooked if polecat else None
            return first.id if first else None
        return key  # escalations, merge requests and convoys are beads themselves

    def open_bead(self, bead_id: str) -> None:
        screen = BeadDetailScreen(bead_id)
        self.push_screen(screen)
        self._load_detail(screen, bead_id)

    @work(thread=True, group="detail", exclusive=True, exit_on_error=False)
    def _load_detail(self, screen: BeadDetailScreen, bead_id: str) -> None:
        try:
            with self.session.town() as town:
                detail = bead_detail(town.store, bead_id)
        except Exception as error:  # shown on the screen, never a crash
            self.call_from_thread(screen.show, None, str(error))
            return
        self.call_from_thread(screen.show, detail)

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        if event.node.data and not event.node.data.startswith("rig:"):
            self.action_open()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    # -- attach and peek ----------------------------------------------------------------------

    def action_attach(self) -> None:
        session = self._selected_session()
        if session is not None:
            self.attach_session(session)

    def action_peek(self) -> None:
        address = self.dashboard.selected_polecat()
        session = self._selected_session()
        if address is not None and session is not None:
            screen = PeekScreen(address, session)
            self.push_screen(screen)
            self._peek_timer = self.set_interval(PeekScreen.INTERVAL, lambda: self._peek(screen))
            self._peek(screen)

    def _peek(self, screen: PeekScreen) -> None:
        if self.screen is screen:
            self._capture(screen.session)
        elif screen not in self.screen_stack:
            self._peek_timer.stop()

    def _selected_session(self) -> str | None:
        address = self._need(self.dashboard.selected_polecat(), "a polecat")
        if address is None or self.snapshot is None:
            return None
        polecat = self.snapshot.polecat(address)
        if polecat is None or polecat.session is None:
            state = polecat.state if polecat else "unknown"
            self.notify(
                f"{address} has no session to attach to (state: {state})", severity="warning"
            )
            return None
        return polecat.session

    def attach_session(self, session: str) -> None:
        socket = self.session.tmux_socket
        inside = inside_town_server(os.environ.get("TMUX", ""), socket)
        command = attach_command(socket, session, inside)
        self.attached.append(command)
        if inside:
            self.attach_runner(command, False)
            return
        try:
            with self.suspend():
                code = self.attach_runner(command, True)
        except Exception as error:  # no terminal to hand over (headless, inline)
            self.notify(
                f"cannot attach here ({error}); from a shell: {' '.join(command)}",
                severity="error",
                timeout=10,
            )
            return
        if code != 0:
            self.notify(f"tmux attach exited {code}: is the session still there?", severity="error")
        self.follower.poke()

    # -- app keys -----------------------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_close_screen(self) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()

    def action_cycle_theme(self) -> None:
        names = [name for name in self.available_themes if name in _our_themes()]
        if names:
            index = names.index(self.theme) if self.theme in names else -1
            self.theme = names[(index + 1) % len(names)]
            self.notify(f"theme: {self.theme}")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for spec in ALL_KEYS:
            if spec.palette:
                action = spec.action if spec.action.startswith("app.") else f"app.{spec.action}"
                yield SystemCommand(spec.help.split(":")[0], spec.help, _runner(self, action))


def _runner(app: App[Any], action: str) -> Callable[[], object]:
    return lambda: app.call_later(app.run_action, action)


def _our_themes() -> set[str]:
    return {theme.name for theme in load_themes().themes}


def inside_town_server(tmux_env: str, socket: str) -> bool:
    """Is this process inside a client of the town's own tmux server ($TMUX names its socket)?"""
    socket_path = tmux_env.split(",", 1)[0]
    return bool(socket_path) and Path(socket_path).name == socket


def attach_command(socket: str, session: str, inside: bool) -> list[str]:
    if inside:
        return ["tmux", "-L", socket, "switch-client", "-t", f"={session}"]
    return ["tmux", "-L", socket, "attach-session", "-t", f"={session}"]


def run_attach(command: list[str], takes_terminal: bool) -> int:
    env = dict(os.environ)
    if takes_terminal:
        env.pop("TMUX", None)  # attaching from inside another tmux: a nested client on purpose
    return subprocess.run(command, env=env, check=False).returncode


def _acked(changed: bool, esc: str) -> str:
    return f"{esc} acknowledged" if changed else f"{esc} was already acknowledged"


def _resolved(record: dict[str, Any]) -> str:
    return f"{record['id']} resolved"


def _nudged(result: dict[str, Any]) -> str:
    return f"nudged {result['target']}"


def _replied(reply: Any) -> str:
    if reply.nudged:
        return f"replied to {reply.to} (mail {reply.message}, nudged)"
    return f"replied to {reply.to} by mail {reply.message}; nudge failed: {reply.nudge_problem}"


def _slung(result: Any) -> str:
    where = "queued on" if result.queued else "started on"
    return f"{result.bead} {where} {result.agent}"


def _bead_choice(record: dict[str, Any]) -> Text:
    text = Text(no_wrap=True)
    text.append_text(safe(record.get("id", ""), "bold"))
    text.append(f"  P{record.get('priority', 2)}  ", style="dim")
    text.append_text(safe(record.get("title", "")))
    return text


def _polecat_choice(rig: str, name: str, state: str, hooked: int) -> Text:
    text = Text(no_wrap=True)
    text.append_text(safe(f"{rig}/{name}", "bold"))
    text.append(f"  {state}, {hooked} hooked", style="dim")
    return text
