"""A writer process for the store stress tests (run as a script; pytest does not collect it).

It imports only the store and uses the Python API: every mutation is one
`write_transaction(store, actor)`. Two modes:

`mutate BEADS_DIR WORKER COUNT START_FILE SHARED_ID...`
    Prints `ready`, waits for START_FILE to exist (the barrier), then commits COUNT
    transactions of exactly one event each: creates, and updates, label toggles and
    close/reopen of the shared beads. Finally prints one JSON line
    `{"worker": N, "event_ids": [...]}` with the ids of the events it committed.

`batches BEADS_DIR RUN SHARED_ID...`
    Prints `ready`, then commits batches forever. Batch B of run R has the tag
    `rRRRbBBBBB`; all its events carry the actor `batch-writer/<tag>/<size>`. A batch creates
    a bead titled with the tag, adds the label `L-<tag>` (and `M-<tag>` in odd batches) and a
    comment whose text is the tag, and sets the metadata key `<tag>` on a shared bead. Only
    after the transaction has committed does it print `done <tag> <bead id> <event id>...`.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.store_paths import StorePaths
from gastown_tui.store.write_transaction import WriteTransaction, write_transaction

BATCH_ACTOR_PREFIX = "batch-writer/"


def _create(tx: WriteTransaction, actor: str, title: str) -> tuple[str, dict[str, Any]]:
    bead_id = tx.new_id(title)
    ts = tx.stamp()
    record = {
        "id": bead_id,
        "title": title,
        "status": "open",
        "priority": 2,
        "issue_type": "task",
        "created_at": ts,
        "created_by": actor,
        "updated_at": ts,
    }
    return bead_id, tx.emit("create", bead_id, {"record": record}, ts)


def _one_mutation(
    tx: WriteTransaction, rng: random.Random, shared: list[str], actor: str, number: int
) -> dict[str, Any]:
    kind = rng.choices(["create", "update", "label", "toggle"], [3, 3, 2, 3])[0]
    if kind == "create":
        return _create(tx, actor, f"{actor} bead {number}")[1]
    bead_id = rng.choice(shared)
    record = tx.get(bead_id)
    assert record is not None, f"shared bead {bead_id} missing"
    if kind == "update":
        changes = {"notes": f"{actor} note {number}", "priority": rng.randrange(5)}
        return tx.emit("update", bead_id, {"set": changes})
    if kind == "label":
        label = f"l{rng.randrange(3)}"
        op = "label_remove" if label in (record.get("labels") or []) else "label_add"
        return tx.emit(op, bead_id, {"label": label})
    if record.get("status") == "closed":
        return tx.emit(
            "reopen", bead_id, {"set": {"status": "open"}, "unset": ["closed_at", "close_reason"]}
        )
    ts = tx.stamp()
    changes = {"status": "closed", "closed_at": ts, "close_reason": f"{actor} {number}"}
    return tx.emit("close", bead_id, {"set": changes}, ts)


def mutate(beads_dir: Path, worker: int, count: int, start_file: Path, shared: list[str]) -> None:
    rng = random.Random(f"mutate-{worker}")
    actor = f"worker-{worker}"
    store = BeadsStore(StorePaths(beads_dir))
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not start_file.exists():  # the barrier: all workers start together
        if time.monotonic() > deadline:
            sys.exit("worker: the start file never appeared")
        time.sleep(0.0005)
    event_ids = []
    for number in range(count):
        with write_transaction(store, actor) as tx:
            event = _one_mutation(tx, rng, shared, actor, number)
        event_ids.append(event["id"])
    store.close()
    print(json.dumps({"worker": worker, "event_ids": event_ids}), flush=True)


def batches(beads_dir: Path, run: int, shared: list[str]) -> None:
    store = BeadsStore(StorePaths(beads_dir))
    print("ready", flush=True)
    batch = 0
    while True:
        tag = f"r{run:03d}b{batch:05d}"
        size = 5 if batch % 2 else 4
        actor = f"{BATCH_ACTOR_PREFIX}{tag}/{size}"
        with write_transaction(store, actor) as tx:
            bead_id, created = _create(tx, actor, tag)
            events = [created, tx.emit("label_add", bead_id, {"label": f"L-{tag}"})]
            if size == 5:
                events.append(tx.emit("label_add", bead_id, {"label": f"M-{tag}"}))
            ts = tx.stamp()
            comment = {
                "id": tx.new_event_id(),
                "issue_id": bead_id,
                "author": actor,
                "text": tag,
                "created_at": ts,
            }
            events.append(tx.emit("comment_add", bead_id, {"comment": comment}, ts))
            target = shared[batch % len(shared)]
            events.append(tx.emit("update", target, {"metadata": {tag: size}}))
            assert len(events) == size
        print("done", tag, bead_id, *(event["id"] for event in events), flush=True)
        batch += 1


def main(argv: list[str]) -> None:
    mode, beads_dir = argv[0], Path(argv[1])
    if mode == "mutate":
        mutate(beads_dir, int(argv[2]), int(argv[3]), Path(argv[4]), argv[5:])
    elif mode == "batches":
        batches(beads_dir, int(argv[2]), argv[3:])
    else:
        sys.exit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
