"""The boards of the snapshot: escalations, the merge queue and convoys, as typed views."""

from __future__ import annotations

import sqlite3

from gastown_tui.core import merge_queue as mq
from gastown_tui.core import record as rec
from gastown_tui.store import json_codec
from gastown_tui.store.bead_queries import ListFilter, list_beads
from gastown_tui.town.comms.escalations import reescalations_of, severity_of
from gastown_tui.town.read_model.views import ConvoyView, EscalationView, MergeRequestView
from gastown_tui.town.refinery.merge_requests import in_queue_order

RECENT_FINISHED = 8  # merge requests that left the queue, shown under the waiting ones
CONVOY_TYPE = "convoy"
TRACKS = "tracks"


def escalation_view(record: rec.Record) -> EscalationView:
    metadata = rec.metadata_of(record)
    issue = metadata.get("issue")
    acknowledged = metadata.get("acknowledged_by")
    rig = metadata.get("rig")
    return EscalationView(
        id=str(record["id"]),
        severity=severity_of(record),
        title=str(record.get("title", "")),
        agent=str(metadata.get("agent") or record.get("created_by") or ""),
        issue=issue if isinstance(issue, str) and issue else None,
        problem=str(metadata.get("problem") or record.get("title") or ""),
        tried=str(metadata.get("tried") or ""),
        acknowledged_by=str(acknowledged) if acknowledged else None,
        created_at=str(record.get("created_at", "")),
        reescalations=reescalations_of(record),
        rig=rig if isinstance(rig, str) else None,
    )


def mr_views(connection: sqlite3.Connection) -> tuple[MergeRequestView, ...]:
    """Waiting MRs in queue order with their positions, the other open ones, then the most
    recently finished (merged, failed, conflict…), so a landing stays visible for a while."""
    rows = in_queue_order(list_beads(connection, ListFilter(types=["merge-request"])))
    finished = [
        json_codec.loads(blob)
        for (blob,) in connection.execute(
            "SELECT record FROM beads WHERE issue_type = 'merge-request' AND status = 'closed' "
            "AND tombstone = 0 ORDER BY closed_key DESC, id DESC LIMIT ?",
            (RECENT_FINISHED,),
        )
    ]
    rows += [{**mr, "position": None, "state": mq.state_of(mr)} for mr in finished]
    titles = _titles(connection, [str(rec.metadata_of(r).get("source_issue")) for r in rows])
    views = []
    for row in rows:
        metadata = rec.metadata_of(row)
        bead = str(metadata.get("source_issue") or "")
        attempt = metadata.get("attempt")
        position = row.get("position")
        views.append(
            MergeRequestView(
                id=str(row["id"]),
                rig=str(metadata.get("rig") or ""),
                bead=bead,
                bead_title=titles.get(bead, ""),
                worker=str(metadata.get("worker") or ""),
                branch=str(metadata.get("branch") or ""),
                state=str(row["state"]),
                position=position if isinstance(position, int) else None,
                attempt=attempt if isinstance(attempt, int) else 1,
                updated_at=str(row.get("updated_at", "")),
                detail=_detail(metadata),
            )
        )
    return tuple(views)


def _detail(metadata: dict[str, object]) -> str:
    for key in ("error", "failure", "conflict_files", "merge_commit", "note"):
        value = metadata.get(key)
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        if value:
            return str(value)
    return ""


def _titles(connection: sqlite3.Connection, ids: list[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    return {
        str(bead_id): str(title)
        for bead_id, title in connection.execute(
            f"SELECT id, title FROM beads WHERE id IN ({marks})", wanted
        )
    }


def convoy_views(connection: sqlite3.Connection) -> tuple[ConvoyView, ...]:
    """Every convoy with its progress: closed members over all members (`tracks` edges)."""
    convoys = connection.execute(
        "SELECT id, title, status, record FROM beads WHERE issue_type = ? AND tombstone = 0 "
        "ORDER BY status = 'closed', created_key, id",
        (CONVOY_TYPE,),
    ).fetchall()
    if not convoys:
        return ()
    progress = {
        str(convoy): (int(closed or 0), int(total))
        for convoy, closed, total in connection.execute(
            "SELECT d.issue_id, SUM(b.status = 'closed'), COUNT(*) FROM deps d "
            "JOIN beads b ON b.id = d.depends_on_id "
            "WHERE d.type = ? AND b.tombstone = 0 GROUP BY d.issue_id",
            (TRACKS,),
        )
    }
    views = []
    for convoy_id, title, status, blob in convoys:
        closed, total = progress.get(str(convoy_id), (0, 0))
        metadata = rec.metadata_of(json_codec.loads(blob))
        views.append(
            ConvoyView(
                str(convoy_id),
                str(title),
                closed,
                total,
                stranded=bool(metadata.get("stranded")),
                landed=status == rec.CLOSED,
            )
        )
    return tuple(views)
