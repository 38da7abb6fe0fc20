"""`gt install`, `gt rig add|list|remove`, `gt up|down|status`, `gt daemon run`."""

from __future__ import annotations

import time
from typing import Any

from gastown_tui.cli.command_context import CommandError
from gastown_tui.cli.gt_context import GtContext
from gastown_tui.core.display_text import visible
from gastown_tui.town.read_model.town_status import town_status
from gastown_tui.town.setup import rigs as rig_ops
from gastown_tui.town.setup.gate_check import check_gates, check_line
from gastown_tui.town.setup.install import install_town
from gastown_tui.town.setup.rig_removal import remove_rig
from gastown_tui.town.setup.town_sessions import bring_up
from gastown_tui.town.setup.town_shutdown import take_down
from gastown_tui.town.supervision.daemon_loop import run_daemon


def cmd_install(ctx: GtContext) -> None:
    paths = install_town(ctx.args.dir, ctx.args.name, ctx.args.profile, ctx.actor)
    result = {"town": str(paths.root), "socket": paths.socket_name(),
              "profile": ctx.args.profile}  # fmt: skip
    if ctx.json:
        ctx.emit_json(result)
    else:
        ctx.say(f"installed a town in {visible(str(paths.root))}")
        ctx.say("next: gt rig add <name> <repository>   then   gt sling <bead> <rig>")


def cmd_rig_add(ctx: GtContext) -> None:
    args = ctx.args
    gates = rig_ops.parse_gate_options(args.gate, args.gate_timeout)
    settings = rig_ops.add_rig(ctx.town, args.name, args.source, prefix=args.prefix, gates=gates,
                               runtime=args.runtime, actor=ctx.actor)  # fmt: skip
    summary = rig_ops.rig_summary(settings)
    run_checks = bool(settings.gates) and not args.no_gate_check
    if ctx.json:
        checks = check_gates(ctx.town, settings) if run_checks else []
        ctx.emit_json({**summary, "gate_check": [check.as_json() for check in checks]})
        return
    ctx.say(f"added rig {settings.name} (prefix {settings.prefix}, branch "
            f"{visible(settings.default_branch)}, runtime {settings.runtime})")  # fmt: skip
    for gate in settings.gates:
        ctx.say(f"  gate {gate.name}: {visible(gate.command)} (timeout {gate.timeout}s)")
    if not settings.gates:
        ctx.say("  no gates detected: add one with --gate test=CMD")
    if run_checks:
        ctx.say(f"trying each gate once on {visible(settings.default_branch)} "
                "(--no-gate-check skips this):")  # fmt: skip
        for check in check_gates(ctx.town, settings):
            ctx.say(f"  {visible(check_line(check))}")


def cmd_rig_list(ctx: GtContext) -> None:
    rows = [rig_ops.rig_summary(settings) for settings in ctx.town.rigs().values()]
    if ctx.json:
        ctx.emit_json(rows)
        return
    for row in rows:
        ctx.say(f"{row['name']}  prefix {row['prefix']}  {visible(row['source'])}  "
                f"[{row['runtime']}]")  # fmt: skip


def cmd_rig_remove(ctx: GtContext) -> None:
    removal = remove_rig(ctx.town, ctx.args.name, force=ctx.args.force, actor=ctx.actor)
    if ctx.json:
        ctx.emit_json(removal.to_json())
    else:
        ctx.say(f"removed rig {ctx.args.name}")
        if removal.kept_at:
            ctx.say(f"its work of its own is kept in {visible(removal.kept_at)}")


def cmd_up(ctx: GtContext) -> None:
    """Start whatever of the town's sessions is not running: hooked polecats (resumed, no
    respawn counted), the daemon and each rig's Refinery. A crashed one is replaced."""
    town = ctx.town
    started = bring_up(town, ctx.actor)
    result = {"started": started, "sessions": town.tmux.sessions(), "socket": town.tmux.socket}
    if ctx.json:
        ctx.emit_json(result)
    else:
        ctx.say(f"started {', '.join(started)}" if started else "everything is already running")


def cmd_down(ctx: GtContext) -> None:
    town = ctx.town
    sessions = take_down(town, ctx.actor)
    if ctx.json:
        ctx.emit_json({"stopped": sessions, "socket": town.tmux.socket})
    else:
        ctx.say(f"stopped {len(sessions)} session(s) on socket {town.tmux.socket}")


def cmd_status(ctx: GtContext) -> None:
    if ctx.args.interval <= 0 or ctx.args.count < 0:
        raise CommandError("--interval must be above 0 and --count at least 0", code=2)
    draws = 0
    while True:
        status = town_status(ctx.town)
        if ctx.json:
            ctx.emit_json(status)
        else:
            if ctx.args.watch:
                ctx.say("\x1b[H\x1b[2J" if ctx.stdout.isatty() else "")
            ctx.say(status_text(status))
        draws += 1
        if not ctx.args.watch or (ctx.args.count and draws >= ctx.args.count):
            return
        time.sleep(ctx.args.interval)


def status_text(status: dict[str, Any]) -> str:
    marks = {"working": "●", "stalled": "⚠", "waiting": "◐", "zombie": "✗", "spawning": "…",
             "resting": "○", "idle": "◌"}  # fmt: skip
    lines = [f"Gas Town · {visible(status['town'])} · tmux {status['tmux']} · daemon "
             f"{'up' if status['daemon_running'] else 'down'} · MQ {status['mq_length']} · "
             f"escalations {status['escalations_open']}"]  # fmt: skip
    for rig in status["rigs"]:
        lines.append(f"{rig['name']} ({rig['prefix']})  MQ {rig['mq_length']}")
        for polecat in rig["polecats"]:
            hook = ", ".join(polecat["hook"]) or "-"
            lines.append(f"  {marks.get(polecat['state'], '?')} {polecat['name']:<12} "
                         f"{polecat['state']:<9} hook: {hook}")  # fmt: skip
    for escalation in status["escalations"]:
        lines.append(f"  {escalation['severity']:<8} {escalation['id']}  "
                     f"{visible(str(escalation['title']))}")  # fmt: skip
    return "\n".join(lines)


def cmd_daemon_run(ctx: GtContext) -> None:
    run_daemon(ctx.town)
