"""The merge queue's rules (DESIGN §4, §6): MR states, the order MRs are taken in, and how a red
gate's output is reduced to the line that names the failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gastown_tui.core import record as rec

QUEUED = "queued"
TESTING = "testing"
MERGED = "merged"
CONFLICT = "conflict"
FAILED = "failed"
REJECTED = "rejected"
SUPERSEDED = "superseded"
STATES = (QUEUED, TESTING, MERGED, CONFLICT, FAILED, REJECTED, SUPERSEDED)
WAITING = (QUEUED, TESTING)
TRAILER = "Merge-Request"


def state_of(mr: rec.Record) -> str:
    state = rec.metadata_of(mr).get("state")
    return state if isinstance(state, str) and state in STATES else QUEUED


def score_key(mr: rec.Record) -> tuple[int, str, int, str, str]:
    """Priority first; then the oldest submission; then the most attempts (work that already
    bounced has waited longest); then the oldest convoy; then the id, for a total order."""
    metadata = rec.metadata_of(mr)
    attempt = metadata.get("attempt")
    attempts = attempt if isinstance(attempt, int) else 1
    submitted = str(metadata.get("submitted_at") or mr.get("created_at") or "")
    convoy = str(metadata.get("convoy_created_at") or "~")  # no convoy sorts last
    return (rec.priority_of(mr), submitted, -attempts, convoy, str(mr.get("id", "")))


def in_score_order(mrs: Iterable[rec.Record]) -> list[rec.Record]:
    return sorted(mrs, key=score_key)


_NOISE = re.compile(r"^(=+|-+|_+|\s*)$")
_FAILURE = re.compile(r"(FAILED|FAIL:|Error|ERROR|error:|assert|Traceback|failed)")
_VOLATILE = re.compile(r"(0x[0-9a-f]+|\d+(\.\d+)?s\b|/tmp/\S+|line \d+)")


def first_failing_line(output: str) -> str:
    """The line that best names a failure, with volatile parts (times, addresses, temp paths)
    masked, so the same failure run twice gives the same key."""
    lines = [line.strip() for line in output.splitlines() if not _NOISE.match(line)]
    chosen = next((line for line in lines if _FAILURE.search(line)), lines[-1] if lines else "")
    return _VOLATILE.sub("…", chosen)[:200]


def merge_message(bead_id: str, title: str, mr_id: str, branch: str, worker: str) -> str:
    """The squashed commit's message: it names the bead, and its trailers let a restarted
    Refinery recognise an MR whose commit already reached the target."""
    return f"{bead_id}: {title}\n\n{TRAILER}: {mr_id}\nBranch: {branch}\nWorker: {worker}\n"
