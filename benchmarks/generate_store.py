"""Synthetic beads data for the benchmarks, reproducible from a seed.

Two generators:

- `events`: a store directory `OUT_DIR/.beads/` holding `events.jsonl` (our log format, written
  directly, not through the product) and `config.toml`, plus `OUT_DIR/tail.jsonl` with further
  events that continue the same history (for the catch-up benchmark) and `OUT_DIR/manifest.json`.
- `issues`: a beads-format `issues.jsonl` (what Go bd exports) with N records.

Events follow a stated mix. Every bead is created exactly once, so the number of `create` events
is `--beads`; the other `--events - --beads` events are split between the remaining ops in
proportion to their weights in `--mix` (with the defaults, 100,000 beads and 1,000,000 events
realise the mix exactly: 10% create, 50% update, 15% label, 10% close, 5% reopen, 5% comment,
5% dep_add). An op that has no valid target at that moment (a reopen with nothing closed) is
replaced by an update; the manifest records the realised counts.

The dependency graph is realistic and acyclic: epics with children (`parent-child`), `blocks`
chains between siblings, and some `related` / `discovered-from` edges, always from a newer bead
to an older one.

    python benchmarks/generate_store.py events --beads 100000 --events 1000000 OUT_DIR
    python benchmarks/generate_store.py issues --records 100000 OUT_FILE

The script is over 300 lines because it generates both formats (our log and issues.jsonl)
with a realistic graph, statuses and histories.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

GENERATOR_VERSION = 1
DEFAULT_MIX = "create=10,update=50,label=15,close=10,reopen=5,comment=5,dep_add=5"
MIX_OPS = ("create", "update", "label", "close", "reopen", "comment", "dep_add")
PREFIX = "bn"
START_US = 1_735_689_600_000_000  # 2025-01-01T00:00:00Z
MAX_STEP_US = 60_000_000  # events are 1 µs .. 60 s apart (30 s on average)
WRITE_BATCH = 20_000

CONFIG_TOML = (
    "# beads store settings (gastown_tui)\n"
    f'prefix = "{PREFIX}"\n\n'
    "[export]\n"
    "# write issues.jsonl after every change (for beads_viewer and other bd readers)\n"
    "auto = false\n"
)

# -- vocabulary ------------------------------------------------------------------------------

ACTORS = (
    "overseer", "mayor", "gastown/refinery", "gastown/witness", "gastown/polecats/furiosa",
    "gastown/polecats/nux", "gastown/polecats/slit", "gastown/polecats/capable",
    "gastown/crew/max", "gastown/crew/joe", "beads/polecats/toast", "beads/crew/dave",
)  # fmt: skip
ASSIGNEES = ACTORS[4:]
LABELS = (
    "auth", "ui", "tui", "cli", "perf", "store", "sqlite", "docs", "tests", "flaky", "ci",
    "refactor", "security", "api", "merge-queue", "tmux", "git", "polecat", "witness", "mail",
    "formula", "molecule", "regression", "tech-debt", "p0-incident", "needs-design",
    "good-first-issue", "blocked-upstream", "windows", "macos",
)  # fmt: skip
VERBS = (
    "Fix", "Add", "Refactor", "Investigate", "Speed up", "Document", "Remove", "Rename",
    "Migrate", "Harden", "Simplify", "Test", "Split", "Cache", "Validate", "Wire up",
)  # fmt: skip
OBJECTS = (
    "the merge queue", "polecat handoff", "witness patrol", "mail drain", "the event log",
    "ready computation", "dependency tree", "label filter", "bead import", "issues export",
    "tmux session reuse", "crew worktrees", "formula loader", "the control room sidebar",
    "cycle detection", "the refinery loop", "search index", "config parsing", "the hook",
    "agent nudges", "convoy tracking", "rig discovery", "session start-up", "the status bar",
)  # fmt: skip
PLACES = (
    "on large stores", "after a crash", "for closed beads", "under concurrent writers",
    "in the TUI", "when the log is torn", "for wisps", "on macOS", "during rebuild",
    "for imported records", "with unicode titles", "across clones", "in CI", "",
)  # fmt: skip
WORDS = (
    "the", "store", "projection", "catches", "up", "after", "every", "write", "and", "log",
    "line", "offset", "hash", "reader", "writer", "lock", "flock", "sqlite", "transaction",
    "index", "query", "bead", "record", "field", "status", "priority", "label", "dependency",
    "parent", "child", "epic", "blocks", "ready", "blocked", "deferred", "polecat", "witness",
    "refinery", "mayor", "convoy", "molecule", "formula", "tmux", "pane", "session", "agent",
    "prompt", "merge", "queue", "branch", "worktree", "commit", "rebase", "conflict", "retry",
    "timeout", "backoff", "cache", "invalidates", "stale", "slow", "fast", "regression", "test",
    "fixture", "snapshot", "flaky", "when", "because", "unless", "so", "that", "we", "it",
    "should", "must", "never", "always", "only", "once", "twice", "fails", "passes", "hangs",
)  # fmt: skip
TYPES = ("task", "bug", "feature", "chore", "epic")
TYPE_WEIGHTS = (50, 25, 15, 5, 5)
PRIORITY_WEIGHTS = (5, 15, 50, 20, 10)
CLOSE_REASONS = ("Closed", "done", "fixed", "duplicate", "won't fix", "merged", "obsolete")


def _cumulative(weights: Sequence[float]) -> list[float]:
    total = 0.0
    result = []
    for weight in weights:
        total += weight
        result.append(total)
    return result


_TYPE_CUM = _cumulative(TYPE_WEIGHTS)
_PRIORITY_CUM = _cumulative(PRIORITY_WEIGHTS)


class Vocabulary:
    """Titles and texts drawn from fixed word lists with one seeded `random.Random`."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.sentences = [self._sentence() for _ in range(4096)]

    def _sentence(self) -> str:
        words = [self.rng.choice(WORDS) for _ in range(self.rng.randint(6, 18))]
        words[0] = words[0].capitalize()
        return " ".join(words) + self.rng.choice((".", ".", ".", "?", ":"))

    def title(self) -> str:
        rng = self.rng
        title = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}"
        place = rng.choice(PLACES)
        return f"{title} {place}" if place else title

    def text(self, low: int = 120, high: int = 600) -> str:
        """A paragraph (or a few) of `low`..`high` characters."""
        rng = self.rng
        want = rng.randint(low, high)
        parts: list[str] = []
        size = 0
        while size < want:
            sentence = rng.choice(self.sentences)
            if parts and rng.random() < 0.15:
                parts.append("\n\n")
            elif parts:
                parts.append(" ")
            parts.append(sentence)
            size += len(sentence) + 1
        return "".join(parts)

    def labels(self, most: int = 3) -> list[str]:
        return sorted(self.rng.sample(LABELS, self.rng.randint(1, most)))


# -- time and ids ----------------------------------------------------------------------------

_HEX32_TO_CROCKFORD = bytes.maketrans(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUV", b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


class Clock:
    """Strictly increasing canonical timestamps (`YYYY-MM-DDTHH:MM:SS.ffffffZ`)."""

    def __init__(self, rng: random.Random, start_us: int = START_US) -> None:
        self.rng = rng
        self.now_us = start_us
        self._second = -1
        self._prefix = ""

    def tick(self) -> str:
        self.now_us += self.rng.randint(1, MAX_STEP_US)
        return self.format(self.now_us)

    def format(self, micros: int) -> str:
        second, fraction = divmod(micros, 1_000_000)
        if second != self._second:
            self._second = second
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._prefix}.{fraction:06d}Z"


def ulid(millis: int, rng: random.Random) -> str:
    """A ULID as `gastown_tui.core.ids.new_ulid` encodes it."""
    value = (millis << 80) | rng.getrandbits(80)
    encoded = base64.b32hexencode((value << 6).to_bytes(17, "big"))[:26]
    return encoded.translate(_HEX32_TO_CROCKFORD).decode()


def base36(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rest = divmod(number, 36)
        digits.append(_BASE36[rest])
    return "".join(reversed(digits))


class IdMaker:
    """Unique `bn-xxxxxx` bead ids (hash-like, never sequential)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()

    def new(self) -> str:
        while True:
            candidate = f"{PREFIX}-{base36(self.rng.getrandbits(40), 6)}"
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate


# -- the event stream ------------------------------------------------------------------------


@dataclass
class BeadState:
    """What the generator must know about a bead to emit valid events for it."""

    bead_id: str
    issue_type: str
    status: str = "open"
    assignee: str | None = None
    started: bool = False
    labels: set[str] = field(default_factory=set)
    targets: set[int] = field(default_factory=set)  # indexes of beads it depends on


def parse_mix(text: str) -> dict[str, float]:
    mix: dict[str, float] = {}
    for item in text.split(","):
        name, _, weight = item.partition("=")
        name = name.strip()
        if name not in MIX_OPS:
            raise ValueError(f"unknown op {name!r} in mix (known: {', '.join(MIX_OPS)})")
        mix[name] = float(weight)
    if any(weight < 0 for weight in mix.values()) or sum(mix.values()) <= 0:
        raise ValueError("mix weights must be >= 0 and not all zero")
    return mix


class EventStream:
    """A valid history of bead events; `events()` yields them in (ts) order."""

    def __init__(self, seed: int, mix: dict[str, float]) -> None:
        self.rng = random.Random(seed)
        self.vocab = Vocabulary(self.rng)
        self.clock = Clock(self.rng)
        self.ids = IdMaker(self.rng)
        self.beads: list[BeadState] = []
        self.epics: list[int] = []
        self.last_child: dict[int, int] = {}  # epic index -> its newest child's index
        self.closed_pool: list[int] = []
        self.counts: dict[str, int] = {}
        self.mix = mix
        others = [op for op in MIX_OPS if op != "create" and mix.get(op, 0) > 0]
        self._other_ops = others
        self._other_cum = _cumulative([mix[op] for op in others])

    # -- choosing --------------------------------------------------------------------------

    def _recent(self) -> int:
        """A bead index, skewed towards recently created beads (they are the busy ones)."""
        count = len(self.beads)
        return count - 1 - int(count * self.rng.random() ** 2)

    def _other_op(self) -> str:
        point = self.rng.random() * self._other_cum[-1]
        return self._other_ops[bisect.bisect_right(self._other_cum, point)]

    def _event(self, ts: str, op: str, bead: str, data: dict[str, Any]) -> dict[str, Any]:
        self.counts[op] = self.counts.get(op, 0) + 1
        millis = self.clock.now_us // 1000
        return {"v": 1, "id": ulid(millis, self.rng), "ts": ts, "actor": self.rng.choice(ACTORS),
                "op": op, "bead": bead, "data": data}  # fmt: skip

    # -- the ops -----------------------------------------------------------------------------

    def create(self) -> dict[str, Any]:
        rng = self.rng
        ts = self.clock.tick()
        index = len(self.beads)
        point = rng.random() * 100
        issue_type = TYPES[bisect.bisect_right(_TYPE_CUM, point)]
        bead = BeadState(self.ids.new(), issue_type)
        priority = bisect.bisect_right(_PRIORITY_CUM, rng.random() * 100)
        actor = rng.choice(ACTORS)
        record: dict[str, Any] = {"id": bead.bead_id, "title": self.vocab.title()}
        if rng.random() < 0.85:
            record["description"] = self.vocab.text()
        if rng.random() < 0.1:
            record["acceptance_criteria"] = self.vocab.text(60, 200)
        record.update({"status": "open", "priority": priority, "issue_type": issue_type})
        if rng.random() < 0.2:
            bead.assignee = rng.choice(ASSIGNEES)
            record["assignee"] = bead.assignee
        record.update({"created_at": ts, "created_by": actor, "updated_at": ts})
        if rng.random() < 0.3:
            record["metadata"] = {"rig": rng.choice(("gastown", "beads", "wyvern"))}
        if rng.random() < 0.4:
            bead.labels = set(self.vocab.labels())
            record["labels"] = sorted(bead.labels)
        deps = self._create_deps(index, issue_type)
        if deps:
            bead.targets = {target for target, _ in deps}
            record["dependencies"] = [
                {"issue_id": bead.bead_id, "depends_on_id": self.beads[target].bead_id,
                 "type": dep_type, "created_at": ts, "created_by": actor}
                for target, dep_type in deps
            ]  # fmt: skip
        self.beads.append(bead)
        if issue_type == "epic":
            self.epics.append(index)
        event = self._event(ts, "create", bead.bead_id, {"record": record})
        event["actor"] = actor
        return event

    def _create_deps(self, index: int, issue_type: str) -> list[tuple[int, str]]:
        rng = self.rng
        deps: list[tuple[int, str]] = []
        if issue_type != "epic" and self.epics and rng.random() < 0.6:
            epic = self.epics[-1 - min(int(rng.expovariate(0.3)), len(self.epics) - 1)]
            deps.append((epic, "parent-child"))
            sibling = self.last_child.get(epic)
            if sibling is not None and rng.random() < 0.4:
                deps.append((sibling, "blocks"))  # a chain through the epic's children
            self.last_child[epic] = index
        elif index > 0 and rng.random() < 0.15:
            deps.append((max(0, index - 1 - int(rng.expovariate(0.05))), "blocks"))
        return deps

    def update(self) -> dict[str, Any]:
        rng = self.rng
        index = self._recent()
        bead = self.beads[index]
        ts = self.clock.tick()
        changes: dict[str, Any] = {}
        removals: list[str] = []
        data: dict[str, Any] = {}
        kind = rng.random()
        if kind < 0.35 and bead.status != "closed":
            status = rng.choice(("in_progress", "in_progress", "in_progress", "blocked",
                                 "deferred", "open"))  # fmt: skip
            if status != bead.status:
                changes["status"] = status
                removals = ["closed_at", "close_reason"]
                bead.status = status
                if status == "in_progress":
                    if not bead.started:
                        changes["started_at"] = ts
                        bead.started = True
                    if bead.assignee is None:
                        bead.assignee = rng.choice(ASSIGNEES)
                        changes["assignee"] = bead.assignee
        elif kind < 0.55:
            changes["priority"] = rng.randint(0, 4)
        elif kind < 0.67:
            if bead.assignee is not None and rng.random() < 0.3:
                removals.append("assignee")
                bead.assignee = None
            else:
                bead.assignee = rng.choice(ASSIGNEES)
                changes["assignee"] = bead.assignee
        elif kind < 0.82:
            key = rng.choice(("notes", "description", "design"))
            changes[key] = self.vocab.text()
        elif kind < 0.9:
            changes["title"] = self.vocab.title()
        else:
            data["metadata"] = {rng.choice(("rig", "estimate", "branch", "convoy")):
                                rng.choice(("gastown", "3h", "polecat/nux-42", None))}  # fmt: skip
        if not changes and not removals and not data:
            changes["priority"] = rng.randint(0, 4)  # e.g. a status "change" to the same one
        if changes:
            data["set"] = changes
        if removals:
            data["unset"] = removals
        return self._event(ts, "update", bead.bead_id, data)

    def label(self) -> dict[str, Any]:
        rng = self.rng
        bead = self.beads[self._recent()]
        ts = self.clock.tick()
        if bead.labels and rng.random() < 0.3:
            label = rng.choice(sorted(bead.labels))
            bead.labels.discard(label)
            return self._event(ts, "label_remove", bead.bead_id, {"label": label})
        label = rng.choice(LABELS)
        while label in bead.labels:
            label = rng.choice(LABELS)
        bead.labels.add(label)
        return self._event(ts, "label_add", bead.bead_id, {"label": label})

    def close(self, index: int | None = None) -> dict[str, Any]:
        rng = self.rng
        if index is None:
            for _ in range(20):
                index = self._recent()
                if self.beads[index].status != "closed":
                    break
            else:
                return self.update()
        bead = self.beads[index]
        ts = self.clock.tick()
        changes: dict[str, Any] = {"status": "closed", "closed_at": ts}
        if rng.random() < 0.7:
            changes["close_reason"] = rng.choice(CLOSE_REASONS)
        bead.status = "closed"
        self.closed_pool.append(index)
        return self._event(ts, "close", bead.bead_id, {"set": changes})

    def _pick_closed(self) -> int | None:
        pool = self.closed_pool
        while pool:
            slot = self.rng.randrange(len(pool))
            index = pool[slot]
            pool[slot] = pool[-1]
            pool.pop()
            if self.beads[index].status == "closed":
                return index
        return None

    def reopen(self, index: int | None = None) -> dict[str, Any]:
        if index is None:
            index = self._pick_closed()
            if index is None:
                return self.update()
        bead = self.beads[index]
        bead.status = "open"
        ts = self.clock.tick()
        data = {"set": {"status": "open"}, "unset": ["closed_at", "close_reason"]}
        return self._event(ts, "reopen", bead.bead_id, data)

    def comment(self) -> dict[str, Any]:
        bead = self.beads[self._recent()]
        ts = self.clock.tick()
        author = self.rng.choice(ACTORS)
        comment_id = ulid(self.clock.now_us // 1000, self.rng)
        comment = {"id": comment_id, "issue_id": bead.bead_id, "author": author,
                   "text": self.vocab.text(40, 400), "created_at": ts}  # fmt: skip
        event = self._event(ts, "comment_add", bead.bead_id, {"comment": comment})
        event["actor"] = author
        return event

    def dep_add(self) -> dict[str, Any]:
        rng = self.rng
        for _ in range(10):
            index = self._recent()
            if index == 0:
                continue
            target = max(0, index - 1 - int(rng.expovariate(0.02)))
            if target not in self.beads[index].targets:
                break
        else:
            return self.update()
        bead = self.beads[index]
        bead.targets.add(target)
        dep_type = rng.choices(("blocks", "related", "discovered-from"), (85, 10, 5))[0]
        ts = self.clock.tick()
        actor = rng.choice(ACTORS)
        dependency = {"issue_id": bead.bead_id, "depends_on_id": self.beads[target].bead_id,
                      "type": dep_type, "created_at": ts, "created_by": actor}  # fmt: skip
        event = self._event(ts, "dep_add", bead.bead_id, {"dependency": dependency})
        event["actor"] = actor
        return event

    # -- streams -----------------------------------------------------------------------------

    def _other(self) -> dict[str, Any]:
        op = self._other_op()
        if op == "update":
            return self.update()
        if op == "label":
            return self.label()
        if op == "close":
            return self.close()
        if op == "reopen":
            return self.reopen()
        if op == "comment":
            return self.comment()
        return self.dep_add()

    def events(self, beads: int, total: int) -> Iterator[dict[str, Any]]:
        """`total` events of which exactly `beads` are creates, spread evenly through time."""
        if beads > total:
            raise ValueError("--events must be at least --beads (each bead is created once)")
        creates_left = beads
        for position in range(total):
            left = total - position
            if not self.beads or (creates_left and self.rng.random() * left < creates_left):
                creates_left -= 1
                yield self.create()
            else:
                yield self._other()

    def tail(self, count: int, create_share: float) -> Iterator[dict[str, Any]]:
        """More history of the same kind (creates at `create_share`)."""
        for _ in range(count):
            yield self.create() if self.rng.random() < create_share else self._other()

    def adjust_open(self, wanted: int) -> Iterator[dict[str, Any]]:
        """Close or reopen beads until exactly `wanted` have status `open`."""
        open_ones = [i for i, bead in enumerate(self.beads) if bead.status == "open"]
        self.rng.shuffle(open_ones)
        while len(open_ones) > wanted:
            yield self.close(open_ones.pop())
        others = [i for i, bead in enumerate(self.beads) if bead.status != "open"]
        self.rng.shuffle(others)
        missing = wanted - len(open_ones)
        if missing > len(others):
            raise ValueError(f"cannot reach {wanted} open beads with {len(self.beads)} beads")
        for index in others[:missing]:
            if self.beads[index].status == "closed":
                yield self.reopen(index)
            else:
                self.beads[index].status = "open"
                yield self._event(self.clock.tick(), "update", self.beads[index].bead_id,
                                  {"set": {"status": "open"},
                                   "unset": ["closed_at", "close_reason"]})  # fmt: skip

    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for bead in self.beads:
            counts[bead.status] = counts.get(bead.status, 0) + 1
        return dict(sorted(counts.items()))


def write_jsonl(handle: BinaryIO, items: Iterator[dict[str, Any]]) -> int:
    """Write one compact JSON object per line; returns the number of lines."""
    dumps = orjson.dumps
    batch: list[bytes] = []
    count = 0
    for item in items:
        batch.append(dumps(item))
        if len(batch) >= WRITE_BATCH:
            handle.write(b"\n".join(batch) + b"\n")
            count += len(batch)
            batch.clear()
    if batch:
        handle.write(b"\n".join(batch) + b"\n")
        count += len(batch)
    return count


def generate_events(
    out_dir: Path,
    *,
    beads: int,
    events: int,
    tail: int = 10_000,
    open_beads: int | None = None,
    seed: int = 42,
    mix: str = DEFAULT_MIX,
) -> dict[str, Any]:
    """Write `out_dir/.beads/{events.jsonl,config.toml}`, `tail.jsonl` and `manifest.json`."""
    started = time.perf_counter()
    beads_dir = out_dir / ".beads"
    beads_dir.mkdir(parents=True, exist_ok=True)
    (beads_dir / "config.toml").write_text(CONFIG_TOML, encoding="utf-8")
    stream = EventStream(seed, parse_mix(mix))
    with (beads_dir / "events.jsonl").open("wb") as handle:
        written = write_jsonl(handle, stream.events(beads, events))
        main_counts = dict(stream.counts)
        if open_beads is not None:
            written += write_jsonl(handle, stream.adjust_open(open_beads))
    statuses = stream.status_counts()
    stream.counts.clear()
    with (out_dir / "tail.jsonl").open("wb") as handle:
        tail_written = write_jsonl(handle, stream.tail(tail, beads / max(events, 1)))
    manifest = {
        "kind": "events", "generator_version": GENERATOR_VERSION, "seed": seed, "mix": mix,
        "beads": beads, "events": events, "open_beads": open_beads, "tail": tail,
        "lines": written, "tail_lines": tail_written,
        "op_counts": dict(sorted(main_counts.items())),
        "final_statuses": statuses, "tail_op_counts": dict(sorted(stream.counts.items())),
        "bytes": (beads_dir / "events.jsonl").stat().st_size,
        "seconds": round(time.perf_counter() - started, 2),
    }  # fmt: skip
    (out_dir / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return manifest


# -- issues.jsonl ----------------------------------------------------------------------------


def _issue_timestamp(clock: Clock, micros: int, style: int) -> str:
    """Real files mix second-precision `Z`, local offsets with µs, and our canonical form."""
    if style == 0:
        return clock.format(micros)[:19] + "Z"
    if style == 1:
        local = clock.format(micros - 8 * 3_600_000_000)
        return local[:-1] + "-08:00"
    return clock.format(micros)


def issue_records(records: int, seed: int) -> list[dict[str, Any]]:
    """`records` bead records as Go bd exports them (Go field order, export-only counts)."""
    rng = random.Random(seed)
    vocab = Vocabulary(rng)
    clock = Clock(rng)
    ids = IdMaker(rng)
    type_cum = _TYPE_CUM
    priority_cum = _PRIORITY_CUM
    status_cum = _cumulative((45, 10, 5, 3, 37))
    statuses = ("open", "in_progress", "blocked", "deferred", "closed")
    result: list[dict[str, Any]] = []
    epics: list[int] = []
    last_child: dict[int, int] = {}
    dependents = [0] * records
    for index in range(records):
        created = clock.now_us = clock.now_us + rng.randint(1, 4 * MAX_STEP_US)
        style = bisect.bisect_right((60.0, 90.0), rng.random() * 100)
        issue_type = TYPES[bisect.bisect_right(type_cum, rng.random() * 100)]
        status = statuses[bisect.bisect_right(status_cum, rng.random() * 100)]
        bead_id = ids.new()
        creator = rng.choice(ACTORS)
        record: dict[str, Any] = {"id": bead_id, "title": vocab.title()}
        if rng.random() < 0.9:
            record["description"] = vocab.text()
        if rng.random() < 0.2:
            record["notes"] = vocab.text(60, 300)
        record["status"] = status
        record["priority"] = bisect.bisect_right(priority_cum, rng.random() * 100)
        record["issue_type"] = issue_type
        if status == "in_progress" or rng.random() < 0.3:
            record["assignee"] = rng.choice(ASSIGNEES)
        if rng.random() < 0.5:
            record["owner"] = "steve.yegge@gmail.com"
        updated = created + rng.randint(0, 30 * 86_400_000_000)
        record["created_at"] = _issue_timestamp(clock, created, style)
        record["created_by"] = creator
        record["updated_at"] = _issue_timestamp(clock, updated, style)
        if status == "closed":
            record["closed_at"] = record["updated_at"]
            record["close_reason"] = rng.choice(CLOSE_REASONS)
        if rng.random() < 0.4:
            record["labels"] = vocab.labels()
        deps: list[tuple[int, str]] = []
        if issue_type != "epic" and epics and rng.random() < 0.6:
            epic = epics[-1 - min(int(rng.expovariate(0.3)), len(epics) - 1)]
            deps.append((epic, "parent-child"))
            sibling = last_child.get(epic)
            if sibling is not None and rng.random() < 0.4:
                deps.append((sibling, "blocks"))
            last_child[epic] = index
        if index > 0 and rng.random() < 0.15:
            target = max(0, index - 1 - int(rng.expovariate(0.02)))
            if all(target != t for t, _ in deps):
                deps.append((target, rng.choices(("blocks", "related"), (80, 20))[0]))
        if deps:
            stamp = record["created_at"]
            record["dependencies"] = [
                {"issue_id": bead_id, "depends_on_id": result[target]["id"], "type": dep_type,
                 "created_at": stamp, "created_by": creator, "metadata": "{}"}
                for target, dep_type in deps
            ]  # fmt: skip
            for target, _ in deps:
                dependents[target] += 1
        if rng.random() < 0.1:
            record["comments"] = [
                {"id": number + 1, "issue_id": bead_id, "author": rng.choice(ACTORS),
                 "text": vocab.text(40, 300), "created_at": record["updated_at"]}
                for number in range(rng.randint(1, 3))
            ]  # fmt: skip
        if issue_type == "epic":
            epics.append(index)
        result.append(record)
    for index, record in enumerate(result):
        record["dependency_count"] = len(record.get("dependencies", ()))
        record["dependent_count"] = dependents[index]
        record["comment_count"] = len(record.get("comments", ()))
    return result


def generate_issues(out_file: Path, *, records: int, seed: int = 42) -> dict[str, Any]:
    """Write `out_file` (issues.jsonl) and `out_file.manifest.json`."""
    started = time.perf_counter()
    out_file.parent.mkdir(parents=True, exist_ok=True)
    with out_file.open("wb") as handle:
        written = write_jsonl(handle, iter(issue_records(records, seed)))
    manifest = {
        "kind": "issues", "generator_version": GENERATOR_VERSION, "seed": seed,
        "records": records, "lines": written, "bytes": out_file.stat().st_size,
        "seconds": round(time.perf_counter() - started, 2),
    }  # fmt: skip
    manifest_path = out_file.with_name(out_file.name + ".manifest.json")
    manifest_path.write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return manifest


# -- command line ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    events = commands.add_parser("events", help="a store: .beads/events.jsonl + config.toml")
    events.add_argument("--beads", type=int, required=True, help="beads created (= creates)")
    events.add_argument("--events", type=int, required=True, help="events in events.jsonl")
    events.add_argument("--tail", type=int, default=10_000,
                        help="further events written to OUT_DIR/tail.jsonl")  # fmt: skip
    events.add_argument("--open", type=int, default=None, dest="open_beads",
                        help="after the mix, close/reopen beads until exactly this many are "
                             "open (adds events)")  # fmt: skip
    events.add_argument("--mix", default=DEFAULT_MIX, help=f"op weights (default {DEFAULT_MIX})")
    events.add_argument("--seed", type=int, default=42)
    events.add_argument("out_dir", type=Path)
    issues = commands.add_parser("issues", help="a beads-format issues.jsonl")
    issues.add_argument("--records", type=int, required=True)
    issues.add_argument("--seed", type=int, default=42)
    issues.add_argument("out_file", type=Path)
    args = parser.parse_args(argv)
    if args.command == "events":
        manifest = generate_events(args.out_dir, beads=args.beads, events=args.events,
                                   tail=args.tail, open_beads=args.open_beads, seed=args.seed,
                                   mix=args.mix)  # fmt: skip
    else:
        manifest = generate_issues(args.out_file, records=args.records, seed=args.seed)
    sys.stdout.buffer.write(orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
