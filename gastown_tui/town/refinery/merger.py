"""The Refinery's steps on one merge request (DESIGN §6); `queue_runner` drives them.

It squashes the MR's branch onto the target in the refinery's worktree, runs the rig's gates in
their own process group, and moves the target (compare-and-swap) to exactly one commit per MR.
A conflict or a red gate never reaches the target: the MR goes back as REWORK_REQUEST. A gate
that also fails on the target alone is the target's failure: one bug bead per (gate, first
failing line), and the branch lands. `recover` settles what a crash left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from gastown_tui.core import merge_queue as mq
from gastown_tui.core import record as rec
from gastown_tui.runtime.gate_runner import GateResult, kill_leftovers, run_gate
from gastown_tui.runtime.git_repo import GitError, git_network, rev_parse
from gastown_tui.store.bead_queries import ListFilter, list_beads
from gastown_tui.town.refinery import queue_states
from gastown_tui.town.refinery.git_steps import (
    ensure_worktree,
    landed_commit,
    reset_to,
    squash,
)
from gastown_tui.town.refinery.queue_pause import GateCannotStart, pause_queue
from gastown_tui.town.refinery.rework import SentBack, send_back
from gastown_tui.town.refinery.target_failures import file_target_failure
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.work.work_sessions import ensure_repository


@dataclass
class Outcome:
    mr: str
    result: str  # merged | conflict | failed | skipped
    commit: str | None = None
    detail: str = ""
    bugs: list[str] = field(default_factory=list)


def blocked(sent: SentBack) -> str:
    """The note an outcome gets when the rework limit blocked the bead instead."""
    return f"; rework limit: blocked ({sent.escalation})" if sent.escalation else ""


class Refinery:
    """The merge queue processor of one rig."""

    def __init__(self, town: Town, rig_name: str) -> None:
        self.town = town
        self.rig = town.rig(rig_name)
        self.actor = f"{self.rig.name}/refinery"
        self.repository = ensure_repository(town, self.rig)
        self.worktree = town.paths.refinery(self.rig.name)
        self.gate_record = town.paths.runtime / "refinery" / f"{self.rig.name}.gates.json"
        self._results: dict[tuple[str, str], GateResult] = {}
        self.gate_environment = town.gate_environment()  # the user's, never gt's venv

    @property
    def target(self) -> str:
        return self.rig.default_branch

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """One Refinery per rig: a second one is refused instead of racing the first."""
        path = self.town.paths.lock(f"refinery-{self.rig.name}")
        with path.open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as error:
                raise TownError(f"the refinery of {self.rig.name} is already running "
                                f"(lock {path})") from error  # fmt: skip
            yield

    def target_head(self) -> str:
        head = rev_parse(self.repository, f"refs/heads/{self.target}")
        if head is None:
            raise TownError(f"rig {self.rig.name}: the target branch {self.target} is missing")
        return head

    def recover(self) -> dict[str, Any]:
        """After a crash: kill leftover gates, clean the worktree, settle MRs left `testing`."""
        records = sorted(self.gate_record.parent.glob(f"{self.rig.name}.*gates.json"))
        killed = [pgid for record in records for pgid in kill_leftovers(record)]
        ensure_worktree(self.repository, self.worktree, self.target_head())
        reset_to(self.worktree, self.target_head())
        merged, requeued = [], []
        for mr in self.requests(states=(mq.TESTING,)):
            commit = landed_commit(self.repository, self.target, mr["id"])
            if commit is not None:
                if self.finish_merged(mr, commit, "recovered: already on the target"):
                    merged.append(mr["id"])
            else:
                requeued += queue_states.requeue(self.town, [mr["id"]], self.actor)
        self.push_to_source(self.target_head())  # a crash may have come between land and push
        return {"killed_gates": killed, "merged": merged, "requeued": requeued}

    def requests(self, states: tuple[str, ...] = (mq.QUEUED,)) -> list[rec.Record]:
        store = self.town.store
        store.projection.catch_up()
        found = list_beads(store.connection, ListFilter(types=["merge-request"]))
        mine = [mr for mr in found if rec.metadata_of(mr).get("rig") == self.rig.name
                and mq.state_of(mr) in states]  # fmt: skip
        return mq.in_score_order(mine)

    def claim(self, mr: rec.Record) -> str | None:
        """Take a `queued` MR; None when taken, else the state it has moved on to."""
        return queue_states.claim(self.town, mr["id"], self.actor)

    def message_for(self, mr: rec.Record) -> str:
        metadata = rec.metadata_of(mr)
        bead_id = str(metadata.get("source_issue"))
        bead = self.town.store.get(bead_id) or {}
        title = str(bead.get("title", "")).strip().splitlines()
        return mq.merge_message(
            bead_id,
            title[0] if title else "",
            mr["id"],
            str(metadata.get("branch")),
            str(metadata.get("worker")),
        )

    def author_of(self, mr: rec.Record) -> tuple[str, str]:
        worker = str(rec.metadata_of(mr).get("worker") or self.actor)
        return worker, worker.replace("/", ".") + "@gastown.local"

    def run_gates(
        self, commit: str, base: str, *, fresh: bool = False
    ) -> tuple[GateResult | None, list[str]]:
        """Every gate on `commit`. Returns the first red gate that is the change's fault, if
        any, and the bug beads filed for gates that `base` (the target) fails on its own.
        Results are remembered per commit, so the target's check after a red gate reuses the
        run that landed it; `fresh` runs again regardless (the retry of a red tip).

        A gate that gives no verdict (it cannot start, or runs out of time) is the change's
        fault only when the target passes it; otherwise GateCannotStart: the queue pauses.
        A gate that fails on the change while the target cannot even run it is the change's
        fault too: no bug bead, the change goes back."""
        bugs: list[str] = []
        for gate in self.rig.gates:
            key = (commit, gate.name)
            if fresh or key not in self._results:
                reset_to(self.worktree, commit)
                self._results[key] = run_gate(gate.name, gate.command, self.worktree, gate.timeout,
                                              self.gate_record, self.gate_environment)  # fmt: skip
            result = self._results[key]
            if result.passed:
                continue
            on_target = self.gate_on(base, gate.name)
            if result.inconclusive and (on_target is None or not on_target.passed):
                raise GateCannotStart(gate, result, on_target)
            if on_target is not None and not on_target.passed and not on_target.inconclusive:
                bugs.append(file_target_failure(self.town, self.rig.name, self.target, gate.name,
                                                on_target.output, self.actor))  # fmt: skip
                continue
            return result, bugs
        return None, bugs

    def gate_on(self, commit: str, gate_name: str) -> GateResult | None:
        key = (commit, gate_name)
        if key not in self._results:
            gate = next((g for g in self.rig.gates if g.name == gate_name), None)
            if gate is None:
                return None
            reset_to(self.worktree, commit)
            self._results[key] = run_gate(gate.name, gate.command, self.worktree, gate.timeout,
                                          self.gate_record, self.gate_environment)  # fmt: skip
        return self._results[key]

    def probe(self, commit: str, slot: int) -> GateResult | None:
        """The first red gate on `commit`, run in probe worktree `slot` (batch bisection runs
        several at once); no target check, no memory: the caller knows the target is green."""
        worktree = self.worktree.parent / "refinery-probes" / str(slot)
        record = self.gate_record.with_name(f"{self.rig.name}.probe{slot}.gates.json")
        ensure_worktree(self.repository, worktree, commit)
        reset_to(worktree, commit)
        for gate in self.rig.gates:
            result = run_gate(
                gate.name, gate.command, worktree, gate.timeout, record, self.gate_environment
            )
            if not result.passed:
                return result
        return None

    def squash_onto(self, mr: rec.Record, base: str) -> str | Outcome:
        """The MR's branch as one commit on `base`; or, when the MR is settled without one (its
        branch is gone, it conflicts, or it is already on the target), its outcome."""
        branch = str(rec.metadata_of(mr).get("branch"))
        if rev_parse(self.repository, f"refs/heads/{branch}") is None:
            send_back(self.town, mr["id"], "other", details=f"branch {branch} is missing",
                      actor=self.actor)  # fmt: skip
            return Outcome(mr["id"], "failed", detail=f"branch {branch} is missing")
        squashed = squash(self.worktree, base, branch, self.message_for(mr), self.author_of(mr))
        if squashed.conflicts:
            send_back(self.town, mr["id"], "conflict", files=squashed.conflicts,
                      details="Conflicting files:\n" + "\n".join(squashed.conflicts),
                      actor=self.actor)  # fmt: skip
            return Outcome(mr["id"], "conflict", detail=", ".join(squashed.conflicts))
        if squashed.commit is None:
            if not self.finish_merged(mr, base, "nothing new: the branch is already on the target"):
                return Outcome(mr["id"], "skipped", detail="it moved on while it was tested")
            return Outcome(mr["id"], "merged", base, "already on the target")
        return squashed.commit

    def process(self, mr: rec.Record) -> Outcome:
        """Take one MR from `queued` to merged or sent back."""
        moved_on = self.claim(mr)
        if moved_on is not None:
            return Outcome(mr["id"], "skipped", detail=f"it is {moved_on}")
        while True:
            base = self.target_head()
            commit = self.squash_onto(mr, base)
            if isinstance(commit, Outcome):
                return commit
            try:
                red, bugs = self.run_gates(commit, base)
            except GateCannotStart as stop:
                return self.pause([mr], stop)[0]
            if red is not None:
                reset_to(self.worktree, base)
                sent = send_back(self.town, mr["id"], "gate", gate=red.name, details=red.output,
                                 actor=self.actor)  # fmt: skip
                if sent is None:
                    return Outcome(mr["id"], "skipped", detail="it moved on while it was tested")
                return Outcome(mr["id"], "failed", detail=f"gate {red.name}{blocked(sent)}",
                               bugs=bugs)  # fmt: skip
            landing = self.land([(mr, commit)], base)
            if landing.target_moved:
                continue  # the target moved under us (a push from outside): do it again
            if not landing.landed:
                reset_to(self.worktree, base)
                return Outcome(mr["id"], "skipped", detail="it moved on while it was tested")
            self.push_to_source(commit)
            return Outcome(mr["id"], "merged", commit, bugs=bugs)

    def pause(self, requests: list[rec.Record], stop: GateCannotStart) -> list[Outcome]:
        """A gate gave no verdict: `requests` go back to the queue untouched, and the queue
        pauses with one HIGH escalation (DESIGN §6)."""
        reset_to(self.worktree, self.target_head())
        self.requeue(requests)
        self._results.clear()  # after the fix, every gate runs again
        escalation = pause_queue(self.town, self.rig.name, self.target, stop,
                                 requests[0]["id"], self.actor)  # fmt: skip
        print(f"refinery {self.rig.name}: {stop}; the queue is paused ({escalation}): "
              f"`gt mq resume {self.rig.name}` when it is fixed", flush=True)  # fmt: skip
        detail = f"gate {stop.gate.name} cannot start: queue paused ({escalation})"
        return [Outcome(mr["id"], "paused", detail=detail) for mr in requests]

    def requeue(self, requests: list[rec.Record]) -> list[str]:
        return queue_states.requeue(self.town, [mr["id"] for mr in requests], self.actor)

    def land(self, stack: list[tuple[rec.Record, str]], base: str,
             note: str = "") -> queue_states.Landing:  # fmt: skip
        return queue_states.land(self.town, self.actor, self.rig.name, self.repository,
                                 self.target, stack, base, note)  # fmt: skip

    def fail(self, mr: rec.Record, error: BaseException) -> Outcome:
        """An unexpected error on `mr`: it is marked `failed` with the error, the queue moves on.
        When its commit did reach the target (the error came after landing), it is merged."""
        text = f"{type(error).__name__}: {error}"
        print(f"refinery {self.rig.name}: {mr['id']} failed with an unexpected error:\n"
              + "".join(traceback.format_exception(error)), flush=True)  # fmt: skip
        with contextlib.suppress(GitError, TownError):
            reset_to(self.worktree, self.target_head())
        commit = None
        with contextlib.suppress(GitError):
            commit = landed_commit(self.repository, self.target, mr["id"])
        if commit is not None and self.finish_merged(mr, commit, f"after an error: {text}"):
            return Outcome(mr["id"], "merged", commit, detail=text)
        if queue_states.mark_failed(self.town, self.actor, self.rig.name, mr["id"], text):
            return Outcome(mr["id"], "failed", detail=f"error: {text}")
        return Outcome(mr["id"], "skipped", detail=f"error after it moved on: {text}")

    def push_to_source(self, commit: str) -> None:
        """With `push_to_source`, send the target (at `commit`) to the rig's source too."""
        if not self.rig.push_to_source:
            return
        try:
            git_network(self.repository, "push", "--quiet", self.rig.source,
                        f"{commit}:refs/heads/{self.target}",
                        timeout=self.town.settings.network_timeout)  # fmt: skip
        except GitError as error:
            print(f"refinery {self.rig.name}: push to the source failed: {error}", flush=True)

    def finish_merged(self, mr: rec.Record, commit: str, note: str) -> bool:
        return queue_states.finish_merged(self.town, self.actor, self.rig.name, mr["id"], commit,
                                          note)  # fmt: skip
