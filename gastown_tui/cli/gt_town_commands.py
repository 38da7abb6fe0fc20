"""`gt install`, `gt rig add|list|remove`, `gt up|down|status`, `gt daemon run`."""

from __future__ import annotations

from gastown_tui.cli.gt_context import GtContext
from gastown_tui.core.display_text import visible
from gastown_tui.town import rigs as rig_ops
from gastown_tui.town.install import install_town


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
    if ctx.json:
        ctx.emit_json(summary)
        return
    ctx.say(f"added rig {settings.name} (prefix {settings.prefix}, branch "
            f"{visible(settings.default_branch)}, runtime {settings.runtime})")  # fmt: skip
    for gate in settings.gates:
        ctx.say(f"  gate {gate.name}: {visible(gate.command)} (timeout {gate.timeout}s)")
    if not settings.gates:
        ctx.say("  no gates detected: add one with --gate test=CMD")


def cmd_rig_list(ctx: GtContext) -> None:
    rows = [rig_ops.rig_summary(settings) for settings in ctx.town.rigs().values()]
    if ctx.json:
        ctx.emit_json(rows)
        return
    for row in rows:
        ctx.say(f"{row['name']}  prefix {row['prefix']}  {visible(row['source'])}  "
                f"[{row['runtime']}]")  # fmt: skip


def cmd_rig_remove(ctx: GtContext) -> None:
    stopped = rig_ops.remove_rig(ctx.town, ctx.args.name, force=ctx.args.force, actor=ctx.actor)
    if ctx.json:
        ctx.emit_json({"removed": ctx.args.name, "stopped_sessions": stopped})
    else:
        ctx.say(f"removed rig {ctx.args.name}")
