"""`gt prime`: the context a session starts from (DESIGN §6).

Identity, the hook queue, the current bead in full, its molecule's checklist, the rig's gates,
handoff notes, unread mail, and what earlier sessions on this bead did (the seance).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from gastown_tui.core import molecule_rules as mol
from gastown_tui.core import record as rec
from gastown_tui.core.addresses import AddressError, parse_address
from gastown_tui.core.display_text import visible
from gastown_tui.core.mail_schema import MESSAGE_LABEL, label_value
from gastown_tui.store.bead_history import bead_events
from gastown_tui.store.bead_queries import ListFilter, list_beads, molecule_steps
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.town.hooks import hook_queue, running_bead
from gastown_tui.town.seance.sessions import bead_seance, handoffs_to
from gastown_tui.town.town import Town, TownError

HISTORY_OPS = ("sling", "session_start", "session_end", "done", "rework", "merge_failed",
               "merged", "escalate")  # fmt: skip


def prime_context(town: Town, agent: str) -> dict[str, Any]:
    try:
        address = parse_address(agent)
    except AddressError as error:
        raise TownError(
            f"gt prime needs an agent address ($BD_ACTOR or --agent): {error}"
        ) from error
    store = town.store
    queue = hook_queue(store.connection, str(address))
    current = running_bead(queue) or (queue[0] if queue else None)
    rig = town.rig(address.rig) if address.rig else None
    context: dict[str, Any] = {
        "agent": str(address), "role": address.role, "rig": address.rig,
        "town": town.settings.name,
        "hook": [{"id": r["id"], "title": r.get("title", ""), "priority": rec.priority_of(r)}
                 for r in queue],
        "current": None, "molecule": None, "handoff": [], "history": [],
        "gates": [{"name": g.name, "command": g.command} for g in rig.gates] if rig else [],
        "target": rig.default_branch if rig else None,
        "mail": _unread_mail(town, str(address)),
    }  # fmt: skip
    if current is None:
        return context
    metadata = rec.metadata_of(current)
    context["current"] = {
        "id": current["id"], "title": current.get("title", ""),
        "description": current.get("description", ""),
        "acceptance_criteria": current.get("acceptance_criteria", ""),
        "priority": rec.priority_of(current), "attempt": metadata.get("attempt", 1),
        "branch": metadata.get("branch"), "vars": metadata.get("vars") or {},
    }  # fmt: skip
    root = metadata.get("molecule")
    if isinstance(root, str) and store.get(root) is not None:
        steps = [r for r in (store.get(i) for i in molecule_steps(store.connection, root)) if r]
        steps.sort(key=mol.step_index)
        context["molecule"] = {
            "id": root, "formula": metadata.get("formula"),
            "steps": [{"step": mol.step_name(s), "bead": s["id"], "title": s.get("title", ""),
                       "state": mol.state_of(s, store.get),
                       "description": s.get("description", "")} for s in steps],
        }  # fmt: skip
    context["handoff"] = [
        {"author": c.get("author", ""), "text": c.get("text", ""), "at": c.get("created_at", "")}
        for c in current.get("comments") or []
        if isinstance(c, dict) and str(c.get("text", "")).lower().startswith("handoff")
    ]
    context["history"] = [
        {"ts": e["ts"], "actor": e.get("actor", ""), "op": e["op"],
         "reason": (e.get("data") or {}).get("reason"),
         "session": (e.get("data") or {}).get("session")}
        for e in bead_events(store, current["id"]) if e["op"] in HISTORY_OPS
    ]  # fmt: skip
    context["seance"] = compact_seance(store, str(address), current)
    return context


def compact_seance(store: BeadsStore, agent: str, current: rec.Record) -> dict[str, Any]:
    """The seance for the bead on the hook: the last HANDOFF to this agent, what each earlier
    session on the bead did and how it ended, and why the bead was sent back."""
    handoffs = handoffs_to(store, agent)
    seance = bead_seance(store, str(current["id"]), handoffs)
    running = rec.metadata_of(current).get("session")
    earlier = [s for s in seance.sessions if not (s.ended_at is None and s.session == running)]
    last = handoffs[0] if handoffs else None
    return {"last_handoff": asdict(last) if last else None,
            "sessions": [session.to_json() for session in earlier],
            "reworks": list(seance.reworks)}  # fmt: skip


def _unread_mail(town: Town, address: str) -> list[dict[str, Any]]:
    messages = list_beads(
        town.store.connection,
        ListFilter(types=["message"], assignee=address, labels=[MESSAGE_LABEL]),
    )
    unread = [m for m in messages if "read" not in (m.get("labels") or [])]
    return [{"id": m["id"], "type": label_value(m.get("labels") or [], "msg-type"),
             "from": label_value(m.get("labels") or [], "from"), "subject": m.get("title", ""),
             "body": m.get("description", "")} for m in unread]  # fmt: skip


def prime_text(context: dict[str, Any]) -> str:
    """The context as the text a session reads; untrusted parts shown with escapes."""
    lines = [f"# You are {context['agent']} ({context['role']}) in town {visible(context['town'])}"]
    current = context["current"]
    if current is None:
        lines += ["", "Your hook is empty: there is no work for you right now."]
    else:
        lines += [
            "", "## Work on your hook — start now",
            "Work is on your hook. Begin immediately: do not wait for confirmation.",
            "", f"Bead {current['id']} (P{current['priority']}, attempt {current['attempt']}): "
            f"{visible(str(current['title']))}",
        ]  # fmt: skip
        if current["branch"]:
            lines.append(f"Branch: {visible(str(current['branch']))}")
        if current["description"]:
            lines += ["", visible(str(current["description"]), keep_newlines=True)]
        if current["acceptance_criteria"]:
            lines += ["", "Acceptance:", visible(str(current["acceptance_criteria"]),
                                                 keep_newlines=True)]  # fmt: skip
    molecule = context["molecule"]
    if molecule:
        marks = {"done": "[x]", "current": "[>]", "ready": "[ ]", "blocked": "[.]"}
        lines += [
            "",
            f"## Checklist ({visible(str(molecule['formula']))}, {molecule['id']})",
            "Close each step with `bd close <step> --continue`; then run `gt done`.",
        ]
        for step in molecule["steps"]:
            lines.append(f"{marks.get(step['state'], '[ ]')} {step['bead']}  "
                         f"{visible(step['step'])}: {visible(str(step['title']))}")  # fmt: skip
    if context["gates"]:
        lines += ["", "## Gates the Refinery runs before merging"]
        lines += [f"- {g['name']}: {visible(g['command'])}" for g in context["gates"]]
    if len(context["hook"]) > 1:
        lines += ["", "## Also on your hook (later)"]
        lines += [
            f"- {h['id']} P{h['priority']} {visible(str(h['title']))}"
            for h in context["hook"]
            if current is None or h["id"] != current["id"]
        ]
    if context["handoff"]:
        lines += ["", "## Handoff notes"]
        lines += [f"- {visible(str(h['author']))}: {visible(str(h['text']), keep_newlines=True)}"
                  for h in context["handoff"]]  # fmt: skip
    if context["mail"]:
        lines += ["", f"## Unread mail ({len(context['mail'])})"]
        lines += [f"- {m['id']} {visible(str(m['type']))} from {visible(str(m['from']))}: "
                  f"{visible(str(m['subject']))}" for m in context["mail"]]  # fmt: skip
    lines += seance_lines(context.get("seance"))
    if context["history"]:
        lines += ["", "## Earlier on this bead"]
        for item in context["history"]:
            reason = f" ({visible(str(item['reason']))})" if item.get("reason") else ""
            lines.append(f"- {item['ts']} {visible(str(item['actor']))} {item['op']}{reason}")
    return "\n".join(lines)


def seance_lines(seance: dict[str, Any] | None) -> list[str]:
    """The seance as prime's text: nothing when there is nothing before this session."""
    if not seance or not (seance["last_handoff"] or seance["sessions"] or seance["reworks"]):
        return []
    lines = ["", "## Seance: what earlier sessions did"]
    handoff = seance["last_handoff"]
    if handoff:
        lines.append(f"Last handoff from {visible(handoff['sender'])} at {handoff['at']}: "
                     f"status {visible(handoff['status'])}; next {visible(handoff['next'])}; "
                     f"context {visible(handoff['context'])}")  # fmt: skip
    for session in seance["sessions"]:
        ended = session["end_reason"] or "no end recorded (it died, or is still running)"
        lines.append(f"- session {visible(session['session'])} by {visible(session['agent'])}, "
                     f"attempt {session['attempt'] or '?'}, from {session['started_at']}: "
                     f"ended: {visible(ended)}")  # fmt: skip
        did = [f"    {visible(line)}" for line in session["did"]]
        lines += did or ["    (did nothing recorded)"]
    lines += [f"- {visible(line)}" for line in seance["reworks"]]
    return lines
