"""A record for the staged town (`ui_town`): finished work, sessions and costs in its log, so the
control room's CV summary, CV board, seance, convoy ETA and costs have something to show.

Written through the store with fixed timestamps in December 2025 (the staged clock is
2026-01-01), so every figure is the same every run:
- nux (gastown): 4 tasks on `lang:go`, the first in three sessions (one died: zombie; the
  next one's work came back for a conflict; the third landed it), $1.25 spent;
- furiosa (gastown): 2 tasks on `area:ui`, one landed, one blocked at the respawn limit;
- toast (beads): 2 tasks, both landed, $0.40 spent (nux and furiosa ran claude-sonnet-4,
  toast claude-haiku-4);
- the convoy `hq-cv3` "Docs sweep" tracks two of those closed beads: ready to land.
"""

from __future__ import annotations

from typing import Any

from ui_town import StagedTown

from gastown_tui.core import events as ev
from gastown_tui.store.write_transaction import write_transaction

LANDABLE = "hq-cv3"
MODELS = {"nux": ("claude", "claude-sonnet-4"), "furiosa": ("claude", "claude-sonnet-4"),
          "toast": ("builtin", "claude-haiku-4")}  # fmt: skip
HISTORY = (
    # bead, rig, labels, agent, hooked, merged (None: failed), reworked
    ("ga-h1", "gastown", ["lang:go"], "nux", "2025-12-20T09:00", "2025-12-20T10:00", True),
    ("ga-h2", "gastown", ["lang:go"], "nux", "2025-12-21T09:00", "2025-12-21T09:30", False),
    ("ga-h3", "gastown", ["lang:go"], "nux", "2025-12-27T09:00", "2025-12-27T11:00", False),
    ("ga-h4", "gastown", ["lang:go"], "nux", "2025-12-30T09:00", "2025-12-30T09:20", False),
    ("ga-h5", "gastown", ["area:ui"], "furiosa", "2025-12-22T09:00", "2025-12-22T13:00", False),
    ("ga-h6", "gastown", ["area:ui"], "furiosa", "2025-12-29T09:00", None, False),
    ("be-h7", "beads", ["area:db"], "toast", "2025-12-23T09:00", "2025-12-23T10:30", False),
    ("be-h8", "beads", ["area:db"], "toast", "2025-12-28T09:00", "2025-12-28T09:45", False),
)  # fmt: skip


def _ts(text: str, seconds: int = 0) -> str:
    return f"{text}:{seconds:02d}.000000Z"


def stage_records(staged: StagedTown) -> StagedTown:
    """Add the record to `staged` (once: a town that has it already is left alone)."""
    town = staged.town
    if town.store.get(LANDABLE) is not None:
        return staged
    with write_transaction(town.store, "overseer") as tx:
        for bead, rig, labels, name, hooked, merged, reworked in HISTORY:
            agent = f"{rig}/polecats/{name}"
            prefix = rig[:2]
            record: dict[str, Any] = {
                "id": bead, "title": f"Earlier work {bead}", "priority": 2, "issue_type": "task",
                "status": "closed" if merged else "blocked", "labels": labels,
                "created_at": _ts(hooked), "updated_at": _ts(hooked), "metadata": {"rig": rig},
            }  # fmt: skip
            tx.emit(ev.CREATE, bead, {"record": record}, _ts(hooked))
            runtime, model = MODELS[name]
            tx.emit("sling", bead, {"agent": agent, "rig": rig, "runtime": runtime,
                                    "model": model}, _ts(hooked, 1))  # fmt: skip
            session = f"{prefix}-{name}"
            start = {"session": session, "agent": agent, "bead": bead, "attempt": 1}
            tx.emit("session_start", bead, start, _ts(hooked, 2))
            if bead == "ga-h1":  # the first session died; the second one's work came back
                tx.emit("session_end", bead, {"session": session, "agent": agent, "bead": bead,
                                              "reason": "zombie: the session is dead"},
                        _ts(hooked, 30))  # fmt: skip
                tx.emit("session_start", bead, start, _ts(hooked, 40))
                tx.emit("done", bead, {"bead": bead, "agent": agent, "mr": "ga-h1-mr0"},
                        _ts("2025-12-20T09:30"))  # fmt: skip
                ended = {"session": session, "agent": agent, "bead": bead, "reason": "done"}
                tx.emit("session_end", bead, ended, _ts("2025-12-20T09:30", 1))
            if reworked:
                tx.emit("rework", bead, {"bead": bead, "agent": agent, "attempt": 2,
                                         "failure_type": "conflict", "files": ["README.md"]},
                        _ts("2025-12-20T09:31"))  # fmt: skip
                tx.emit("session_start", bead, {**start, "attempt": 2}, _ts("2025-12-20T09:32"))
            if merged:
                tx.emit("done", bead, {"bead": bead, "agent": agent, "mr": f"{bead}-mr"},
                        _ts(merged, 1))  # fmt: skip
                tx.emit("session_end", bead, {"session": session, "agent": agent, "bead": bead,
                                              "reason": "done"}, _ts(merged, 2))  # fmt: skip
                tx.emit("merged", f"{bead}-mr", {"bead": bead, "agent": agent,
                                                 "mr": f"{bead}-mr"}, _ts(merged, 3))  # fmt: skip
            else:
                tx.emit("session_end", bead, {"session": session, "agent": agent, "bead": bead,
                                              "reason": "respawn limit: 3 respawns"},
                        _ts("2025-12-29T12:00"))  # fmt: skip
        for name, rig, cost in (("nux", "gastown", 1.25), ("toast", "beads", 0.40)):
            agent = f"{rig}/polecats/{name}"
            tx.emit("usage", "ga-h2", {"agent": agent, "session": f"{rig[:2]}-{name}",
                                       "model": "claude-sonnet-4", "input_tokens": 120000,
                                       "output_tokens": 9000, "cost_usd": cost, "bead": "ga-h2",
                                       "rig": rig}, _ts("2025-12-21T09:29"))  # fmt: skip
        record = {"id": LANDABLE, "title": "Docs sweep", "status": "open", "priority": 2,
                  "issue_type": "convoy", "created_at": _ts("2025-12-20T08:00"),
                  "updated_at": _ts("2025-12-20T08:00"), "created_by": "overseer"}  # fmt: skip
        tx.emit(ev.CREATE, LANDABLE, {"record": record}, _ts("2025-12-20T08:00"))
        for member in ("ga-h1", "ga-h2"):
            edge = {"issue_id": LANDABLE, "depends_on_id": member, "type": "tracks"}
            tx.emit(ev.DEP_ADD, LANDABLE, {"dependency": edge}, _ts("2025-12-20T08:00"))
    return staged
