"""The `gt` command line: every command, its flags, and the handler (`module:function`) it calls.

Handlers are named, not imported, so `gt` loads only the module of the command it runs.

It is over 300 lines because it is one declaration per command and flag; splitting it by
command family would scatter `gt --help`.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable output")
    common.add_argument("--actor", help="who is acting (default: $BD_ACTOR, else overseer)")
    return common


class _Commands:
    """Adds subcommands with the common flags and a handler name."""

    def __init__(self, parent: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
        self.group = parent.add_subparsers(dest="command", required=True, metavar="COMMAND")
        self.common = common

    def add(self, name: str, handler: str | None, help_text: str) -> argparse.ArgumentParser:
        sub = self.group.add_parser(name, parents=[self.common], help=help_text,
                                    description=help_text)  # fmt: skip
        if handler:
            sub.set_defaults(handler=handler)
        return sub

    def nested(self, name: str, help_text: str) -> _Commands:
        return _Commands(self.add(name, None, help_text), self.common)


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(prog="gt", parents=[common],
                                     description="Gas Town: a workspace manager for fleets of "
                                     "AI coding agents")  # fmt: skip
    parser.add_argument("--version", action="version", version="gt (gastown_tui) 0.1.0")
    top = _Commands(parser, common)

    demo = top.add(
        "demo",
        "gt_demo:cmd_demo",
        "the control room on a live demo town with simulated workers (no API key)",
    )
    demo.add_argument("--dir", type=Path, help="where to put the demo (default: a temp dir)")
    demo.add_argument(
        "--step-delay", type=float, default=1.5, help="seconds each sim worker spends on a step"
    )
    demo.add_argument(
        "--wait",
        type=float,
        default=60.0,
        help="with --no-tui: seconds to show progress before handing back the prompt",
    )
    demo.add_argument(
        "--no-tui",
        action="store_true",
        help="print the town's status instead of opening the control room; the town keeps "
        "running afterwards (gt down stops it)",
    )
    demo.add_argument(
        "--keep",
        action="store_true",
        help="keep the demo's directory when the control room closes (a --dir is always kept)",
    )
    demo.add_argument(
        "--beads-sample",
        action="store_true",
        help="instead: import a real beads file and show bd stats and ready",
    )

    tui = top.add("tui", "gt_tui:cmd_tui", "the control room: watch and steer the town")
    tui.add_argument(
        "--tick",
        type=float,
        default=2.0,
        help="seconds between looks at tmux (the log is followed as it changes)",
    )
    tui.add_argument(
        "--beads",
        type=Path,
        metavar="DIR",
        help="instead: browse any beads directory read-only (a .beads dir, a directory holding "
        "one, or its issues.jsonl); works outside a town, writes only to a cache",
    )

    install = top.add("install", "gt_town_commands:cmd_install", "create a town in DIR")
    install.add_argument("dir", type=Path)
    install.add_argument("--name", help="the town's name (default: the directory's name)")
    install.add_argument(
        "--profile", default="default", help="threshold profile (default|demo|test)"
    )

    rig = top.nested("rig", "the repositories this town manages")
    rig_add = rig.add("add", "gt_town_commands:cmd_rig_add", "add a repository as a rig")
    rig_add.add_argument("name")
    rig_add.add_argument("source", help="a path or URL git can clone")
    rig_add.add_argument("--prefix", help="bead id prefix (default: from the name)")
    rig_add.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="NAME=CMD",
        help="setup, lint or test command (repeatable; overrides detection)",
    )
    rig_add.add_argument("--gate-timeout", action="append", default=[], metavar="NAME=SECONDS")
    rig_add.add_argument("--runtime", choices=["claude", "builtin", "sim"])
    rig_add.add_argument("--no-gate-check", action="store_true",
                         help="do not run the gates once on the default branch")  # fmt: skip
    rig.add("list", "gt_town_commands:cmd_rig_list", "list rigs")
    rig_remove = rig.add("remove", "gt_town_commands:cmd_rig_remove", "remove a rig")
    rig_remove.add_argument("name")
    rig_remove.add_argument(
        "--force",
        action="store_true",
        help="stop its live sessions and remove it with work in flight "
        "(work only it has is kept under .runtime/removed-rigs/)",
    )

    polecat = top.nested("polecat", "workers: persistent identities with sessions in tmux")
    spawn = polecat.add("spawn", "gt_polecat_commands:cmd_spawn", "create a polecat identity")
    spawn.add_argument("rig")
    spawn.add_argument("--name", help="default: the next free name of the rig's pool")
    spawn.add_argument("--runtime", choices=["claude", "builtin", "sim"])
    polecat_list = polecat.add("list", "gt_polecat_commands:cmd_list", "list polecats")
    polecat_list.add_argument("--rig")
    nuke = polecat.add(
        "nuke",
        "gt_polecat_commands:cmd_nuke",
        "end a polecat's session and worktree (identity and history stay)",
    )
    nuke.add_argument("address", help="<rig>/<name> or <rig>/polecats/<name>")
    cycle = polecat.add(
        "cycle",
        "gt_polecat_commands:cmd_cycle",
        "end the polecat's session and start its next hooked bead, if any",
    )
    cycle.add_argument("address")

    crew = top.nested("crew", "people's own worktrees")
    crew_add = crew.add("add", "gt_polecat_commands:cmd_crew_add", "a worktree for a human")
    crew_add.add_argument("name")
    crew_add.add_argument("rig")

    sling = top.add("sling", "gt_work_commands:cmd_sling", "put a bead on a polecat's hook")
    sling.add_argument("bead")
    sling.add_argument("target", help="<rig> or <rig>/<polecat>")
    sling.add_argument("--formula", default="mol-polecat-work")
    sling.add_argument("--var", action="append", default=[], metavar="K=V")
    sling.add_argument("--runtime", choices=["claude", "builtin", "sim"])
    sling.add_argument(
        "--force",
        action="store_true",
        help="take the bead from a live agent (its session is stopped first)",
    )
    hook = top.add("hook", "gt_work_commands:cmd_hook", "the hook queue of an agent")
    hook.add_argument("--agent", help="an address (default: $BD_ACTOR)")
    unsling = top.add("unsling", "gt_work_commands:cmd_unsling", "take a bead off its hook")
    unsling.add_argument("bead")
    prime = top.add("prime", "gt_work_commands:cmd_prime", "the context a session starts from")
    prime.add_argument("--agent", help="an address (default: $BD_ACTOR)")
    done = top.add(
        "done",
        "gt_work_commands:cmd_done",
        "submit the work: commit, push, file the merge request, end the session",
    )
    done.add_argument("--agent", help="an address (default: $BD_ACTOR, else the worktree)")
    done.add_argument("--issue", help="the bead (crew: default the first hooked bead)")

    mail = top.nested("mail", "typed messages between agents")
    send = mail.add("send", "gt_mail_commands:cmd_send", "send a message")
    send.add_argument("to")
    send.add_argument("--type", required=True, dest="message_type")
    send.add_argument("--field", action="append", default=[], metavar="K=V")
    send.add_argument("-s", "--subject")
    send.add_argument("-m", "--message", dest="body")
    send.add_argument("--reply-to", help="a message id: the new one joins its thread")
    inbox = mail.add("inbox", "gt_mail_commands:cmd_inbox", "messages to an address")
    inbox.add_argument("--agent", help="an address (default: $BD_ACTOR)")
    inbox.add_argument("--all", action="store_true", help="include archived ones")
    for name, verb in (("read", "show a message and mark it read"),
                       ("ack", "acknowledge a message"),
                       ("archive", "archive a message"),
                       ("thread", "every message of a message's thread")):  # fmt: skip
        sub = mail.add(name, f"gt_mail_commands:cmd_{name}", verb)
        sub.add_argument("id")

    nudge = top.add("nudge", "gt_mail_commands:cmd_nudge", "type a line into an agent's session")
    nudge.add_argument("address")
    nudge.add_argument("text")
    broadcast = top.add("broadcast", "gt_mail_commands:cmd_broadcast", "nudge every polecat")
    broadcast.add_argument("text")
    broadcast.add_argument("--rig")

    escalate = top.nested("escalate", "ask a human (or the mayor) for help")
    esc_create = escalate.add("create", "gt_mail_commands:cmd_escalate_create",
                              "raise an escalation")  # fmt: skip
    esc_create.add_argument("text")
    esc_create.add_argument("-s", "--severity", default="MEDIUM")
    esc_create.add_argument("--issue")
    esc_create.add_argument("--tried", default="")

    esc_list = escalate.add("list", "gt_escalation_commands:cmd_list",
                            "open escalations, unacknowledged first, by severity")  # fmt: skip
    esc_list.add_argument("--all", action="store_true", help="include resolved ones")
    esc_list.add_argument("--severity", help="only this severity")
    esc_list.add_argument("--unacked", action="store_true", help="only unacknowledged ones")
    esc_show = escalate.add("show", "gt_escalation_commands:cmd_show", "one escalation")
    esc_show.add_argument("id")
    esc_ack = escalate.add("ack", "gt_escalation_commands:cmd_ack", "acknowledge: I have seen it")
    esc_ack.add_argument("id")
    esc_ack.add_argument("--note", default="")
    esc_resolve = escalate.add("resolve", "gt_escalation_commands:cmd_resolve",
                               "close an escalation with the decision")  # fmt: skip
    esc_resolve.add_argument("id")
    esc_resolve.add_argument("--reason", required=True)
    esc_reassign = escalate.add("reassign", "gt_escalation_commands:cmd_reassign",
                                "give the escalated bead to another polecat")  # fmt: skip
    esc_reassign.add_argument("id")
    esc_reassign.add_argument("target", help="<rig> or <rig>/<polecat>")
    esc_raise = escalate.add("raise", "gt_escalation_commands:cmd_raise",
                             "raise the severity one step and route it again")  # fmt: skip
    esc_raise.add_argument("id")
    esc_reply = escalate.add("reply", "gt_escalation_commands:cmd_reply",
                             "answer the asking agent: mail, and a nudge to read it")  # fmt: skip
    esc_reply.add_argument("id")
    esc_reply.add_argument("text", help="the answer ('-' reads it from stdin)")

    top.add("up", "gt_town_commands:cmd_up", "start the town's daemon session")
    top.add("down", "gt_town_commands:cmd_down", "stop every session of this town")
    status = top.add("status", "gt_town_commands:cmd_status", "rigs, polecats, queue, escalations")
    status.add_argument("--watch", action="store_true", help="redraw until interrupted")
    status.add_argument("--interval", type=float, default=2.0)
    status.add_argument("--count", type=int, default=0, help="with --watch: stop after N draws")

    daemon = top.nested("daemon", "the supervision loop")
    daemon.add("run", "gt_town_commands:cmd_daemon_run", "run the daemon in this terminal")

    refinery = top.nested("refinery", "the per-rig merge queue processor")
    refinery_run = refinery.add("run", "gt_refinery_commands:cmd_refinery_run",
                                "process the rig's merge queue in this terminal")  # fmt: skip
    refinery_run.add_argument("rig")
    refinery_run.add_argument("--once", action="store_true", help="stop when the queue is empty")

    mq = top.nested("mq", "the merge queue")
    mq_list = mq.add("list", "gt_refinery_commands:cmd_mq_list", "merge requests, next first")
    mq_list.add_argument("--rig")
    mq_list.add_argument("--all", action="store_true", help="include merged and closed ones")
    mq_status = mq.add("status", "gt_refinery_commands:cmd_mq_status", "one merge request")
    mq_status.add_argument("mr")
    mq_retry = mq.add("retry", "gt_refinery_commands:cmd_mq_retry", "queue a merge request again")
    mq_retry.add_argument("mr")
    mq_reject = mq.add("reject", "gt_refinery_commands:cmd_mq_reject",
                       "refuse a merge request; its bead becomes open work again")  # fmt: skip
    mq_reject.add_argument("mr")
    mq_reject.add_argument("--reason", default="rejected by the operator")
    mq_resume = mq.add("resume", "gt_refinery_commands:cmd_mq_resume",
                       "restart a rig's queue paused by a gate that cannot start")  # fmt: skip
    mq_resume.add_argument("rig")

    # -- convoys, CVs, routing, seance and costs (issue 14) --------------------------------
    convoy = top.nested("convoy", "groups of beads across rigs, with progress")
    convoy_create = convoy.add("create", "gt_convoy_commands:cmd_create", "start a convoy")
    convoy_create.add_argument("name")
    convoy_create.add_argument("beads", nargs="*", help="the beads it tracks")
    convoy_create.add_argument("--from-epic", metavar="ID", help="also track an epic's children")
    convoy_create.add_argument("--notify", metavar="ADDR", help="mailed when it lands "
                               "(default: whoever created it)")  # fmt: skip
    convoy_add = convoy.add("add", "gt_convoy_commands:cmd_add", "track more beads")
    convoy_add.add_argument("convoy")
    convoy_add.add_argument("beads", nargs="*")
    convoy_add.add_argument("--from-epic", metavar="ID", help="also track an epic's children")
    convoy_show = convoy.add("status", "gt_convoy_commands:cmd_status",
                             "a convoy's members by rig and state")  # fmt: skip
    convoy_show.add_argument("convoy")
    convoy_list = convoy.add("list", "gt_convoy_commands:cmd_list", "convoys in flight")
    convoy_list.add_argument("--all", action="store_true", help="include landed ones")
    convoy_land = convoy.add("land", "gt_convoy_commands:cmd_land",
                             "close a convoy whose members are all closed, and notify")  # fmt: skip
    convoy_land.add_argument("convoy")
    convoy_land.add_argument("--force", action="store_true", help="land it with open members")
    convoy.add("stranded", "gt_convoy_commands:cmd_stranded",
               "open convoys with ready work and nobody on it")  # fmt: skip

    sling.add_argument("--explain", action="store_true",
                       help="print why this polecat: the CV scores of the idle ones")  # fmt: skip

    cv = top.add("cv", "gt_cv_commands:cmd_cv", "an agent's record from the log, or the board")
    cv.add_argument("agent", help="<rig>/<name>, an address, or 'board' for everyone")
    cv.add_argument("--by", choices=["agent", "model"], default="agent",
                    help="board: one row per agent, or per underlying model")  # fmt: skip
    cv.add_argument("--sort", help="board: name, tasks, success, rework or time")

    seance = top.add("seance", "gt_seance_commands:cmd_seance",
                     "an agent's earlier sessions and what each did")  # fmt: skip
    seance.add_argument("agent", help="<rig>/<name> or an address")
    handoff = top.add("handoff", "gt_seance_commands:cmd_handoff",
                      "mail yourself a HANDOFF note and restart your session")  # fmt: skip
    handoff.add_argument("-m", "--message", help="what the next session should know")
    handoff.add_argument("--agent", help="an address (default: $BD_ACTOR)")

    costs = top.add("costs", "gt_costs_commands:cmd_costs", "tokens and dollars spent")
    costs.add_argument("--by", choices=["agent", "rig", "convoy", "model"], default="agent")
    costs.add_argument("--since", help="30m, 24h, 7d, 2w or a date (default: all time)")

    sync = top.add("sync", "gt_sync_command:cmd_sync", "commit, pull and push the town's log")
    sync.add_argument("--remote", default="origin")
    sync.add_argument("--retries", type=int, default=5)
    return parser
