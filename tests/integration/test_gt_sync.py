"""`gt sync`: two towns share one Beads log through a bare git remote (DESIGN §8).

Real git, real `gt`/`bd` subprocesses. Town A is installed and pushed to a bare remote in
tmp_path; town B is a plain `git clone` of it (its projection is not tracked, so B's store
rebuilds on first use). Both keep appending and syncing; a pre-push hook in B makes A push in
the window between B's fetch and B's push, so B's push is really rejected and must be merged
and retried. Both towns must end with the same events, the same export, the same log bytes,
and no duplicate, torn or split-up batch.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from town_fixtures import TownRunner, eventually

LOG = Path(".beads") / "events.jsonl"
TownFactory = Callable[..., TownRunner]


# -- helpers -----------------------------------------------------------------------------------


def _remote(tmp_path: Path, runner: TownRunner) -> Path:
    remote = tmp_path / "remote.git"
    runner.git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(remote))
    return remote


def _shared_pair(town_factory: TownFactory, tmp_path: Path) -> tuple[TownRunner, TownRunner]:
    """Town A pushed to a fresh bare remote by its first `gt sync`, and town B cloned from it."""
    a = town_factory("a")
    remote = _remote(tmp_path, a)
    a.git(a.root, "remote", "add", "origin", str(remote))
    first = a.gt("sync", "--json").json()
    assert first["pushed"] is True and first["attempts"] == 1, first
    assert a.git(a.root, "rev-parse", "--abbrev-ref", "main@{upstream}") == "origin/main"
    b = town_factory("b", install=False)
    a.git(tmp_path, "clone", "--quiet", str(remote), str(b.root))
    assert not (b.root / ".beads" / "beads.db").exists(), "the projection is not tracked"
    return a, b


def _sync(town: TownRunner, *args: str) -> dict[str, Any]:
    result: dict[str, Any] = town.gt("sync", "--json", *args).json()
    return result


def _append(town: TownRunner, tag: str) -> list[str]:
    """A round of work: creates, a two-event update batch, a two-bead close batch."""
    created = [town.bd("create", f"{tag} task {n}", "--json").json()["id"] for n in range(3)]
    town.bd("update", created[0], "--status", "in_progress", "--add-label", tag)
    town.bd("close", created[1], created[2], "--reason", f"done in {tag}")
    return created


def _log_lines(town: TownRunner) -> list[bytes]:
    """The raw log: it must end with a newline and every line must be a whole JSON object."""
    data = (town.root / LOG).read_bytes()
    assert data == b"" or data.endswith(b"\n"), "the log ends in the middle of a line"
    lines = data.splitlines()
    for line in lines:
        assert isinstance(json.loads(line), dict), line
    return lines


def _event_ids(town: TownRunner) -> set[str]:
    ids = [json.loads(line)["id"] for line in _log_lines(town)]
    assert len(ids) == len(set(ids)), "a duplicate event line"
    return set(ids)


def _batches(events: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Line indexes of each multi-event batch's events, checked complete and adjacent."""
    found: dict[str, list[int]] = {}
    for index, event in enumerate(events):
        batch = event.get("batch")
        if batch:
            found.setdefault(batch["id"], []).append(index)
    for batch_id, indexes in found.items():
        size = events[indexes[0]]["batch"]["size"]
        assert len(indexes) == size, f"batch {batch_id}: {len(indexes)} of {size} events"
        assert indexes == list(range(indexes[0], indexes[0] + size)), f"batch {batch_id} split"
    return found


def _export(town: TownRunner, tmp_path: Path) -> bytes:
    target = tmp_path / f"export-{town.root.name}.jsonl"
    town.bd("export", "--all", "-o", str(target))
    return target.read_bytes()


def _install_race_hook(pusher: TownRunner, rival: TownRunner, tmp_path: Path,
                       *, every_push: bool) -> None:  # fmt: skip
    """A pre-push hook in `pusher` that makes `rival` append and push first.

    git runs pre-push after it has read the remote's refs and before it sends the update, so
    the rival's push lands in between and the pusher's is rejected like a real race. With
    `every_push` False it happens once.
    """
    env_file = tmp_path / f"{rival.root.name}-env.json"
    env_file.write_text(json.dumps(rival.env))
    marker = tmp_path / f"raced-{pusher.root.name}"
    script = f"""#!{sys.executable}
import json, subprocess, sys
from pathlib import Path

sys.stdin.read()
marker = Path({str(marker)!r})
if marker.exists() and not {every_push!r}:
    sys.exit(0)
runs = int(marker.read_text()) + 1 if marker.exists() else 1
marker.write_text(str(runs))
env = json.loads(Path({str(env_file)!r}).read_text())
for module, *args in (("bd_main", "create", f"rival push {{runs}}"), ("gt_main", "sync")):
    subprocess.run([sys.executable, "-m", f"gastown_tui.cli.{{module}}", *args],
                   cwd={str(rival.root)!r}, env=env, check=True, stdout=subprocess.DEVNULL)
"""
    hook = pusher.root / ".git" / "hooks" / "pre-push"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text(script)
    hook.chmod(0o755)


def _head(town: TownRunner) -> str:
    return town.git(town.root, "rev-parse", "HEAD")


# -- tests -------------------------------------------------------------------------------------


def _news(source: TownRunner, target: TownRunner) -> int:
    """How many of `source`'s events `target` lacks (what a sync of `target` should pull)."""
    return len({e["id"] for e in source.events()} - {e["id"] for e in target.events()})


def test_two_towns_appending_and_syncing_converge(
    town_factory: TownFactory, tmp_path: Path
) -> None:
    a, b = _shared_pair(town_factory, tmp_path)
    assert b.bd("list", "--all", "--json").json() == []

    # round 1: one side at a time
    _append(a, "a1")
    assert _sync(a)["committed"] is True
    expected = _news(a, b)
    pulled = _sync(b)
    assert pulled == {"committed": False, "pulled": expected, "pushed": False, "attempts": 1,
                      "events": expected}  # fmt: skip
    assert len(b.bd("list", "--all", "--json").json()) == 3
    _append(b, "b1")
    assert _sync(b)["pushed"] is True
    expected = _news(b, a)
    assert _sync(a)["pulled"] == expected > 0

    # round 2: both append before either syncs; B's pull before its push merges A's work
    shared = a.bd("list", "--status", "in_progress", "--json").json()[0]["id"]
    _append(a, "a2")
    a.bd("update", shared, "--title", "renamed by a")
    _append(b, "b2")
    b.bd("update", shared, "--title", "renamed by b")
    assert _sync(a)["pushed"] is True
    expected = _news(a, b)
    merged = _sync(b)
    assert merged["committed"] and merged["pushed"] and merged["attempts"] == 1, merged
    assert merged["pulled"] == expected > 0

    # round 3: A pushes between B's fetch and B's push: B's push is rejected, merged, retried
    _append(a, "a3")
    _append(b, "b3")
    b.bd("close", shared, "--reason", "closed by b")
    _install_race_hook(b, a, tmp_path, every_push=False)
    raced = _sync(b)
    assert raced["attempts"] == 2 and raced["pushed"] is True, raced
    assert (tmp_path / "raced-b").read_text() == "1", "the hook made A push in between"
    assert _news(a, b) == 0, "B merged what A pushed during its sync"

    # round 4: more work on both sides, synced in the other order
    _append(b, "b4")
    _append(a, "a4")
    a.bd("update", shared, "--notes", "a note from a")
    _sync(b)
    _sync(a)
    _sync(b)

    assert _head(a) == _head(b) == a.git(a.root, "rev-parse", "origin/main")
    assert (a.root / LOG).read_bytes() == (b.root / LOG).read_bytes()
    ids = _event_ids(a)
    assert ids == _event_ids(b)
    assert len(_batches(a.events())) >= 8, "every round wrote multi-event batches"
    assert _export(a, tmp_path) == _export(b, tmp_path)
    assert b.bead(shared)["status"] == "closed"
    assert b.bead(shared)["title"] in {"renamed by a", "renamed by b"}
    final = _sync(a)
    assert final == {"committed": False, "pulled": 0, "pushed": False, "attempts": 1,
                     "events": len(ids)}  # fmt: skip


def test_a_sync_with_nothing_new_changes_nothing(town_factory: TownFactory, tmp_path: Path) -> None:
    a, _ = _shared_pair(town_factory, tmp_path)
    _append(a, "only")
    _sync(a)
    head = _head(a)
    events = len(a.events())
    again = _sync(a)
    assert again == {"committed": False, "pulled": 0, "pushed": False, "attempts": 1,
                     "events": events}  # fmt: skip
    assert _head(a) == head == a.git(tmp_path / "remote.git", "rev-parse", "main")
    text = a.gt("sync")
    summary = f"in sync with origin: nothing to commit, pull or push ({events} events)\n"
    assert text.stdout == summary
    assert text.stderr == ""
    assert _head(a) == head


def test_sync_without_a_remote_says_how_to_add_one(town: TownRunner) -> None:
    head = _head(town)
    result = town.gt("sync", check=False)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (f"gt: the town has no git remote 'origin'; add one with: "
                             f"git -C {town.root} remote add origin <url>\n")  # fmt: skip
    other = town.gt("sync", "--remote", "backup", "--json", check=False)
    assert other.returncode == 1 and "remote add backup <url>" in other.stderr
    assert town.gt("sync", "--retries", "-1", check=False).returncode == 2
    assert _head(town) == head, "nothing was committed"


def test_union_merge_keeps_each_batch_contiguous(town_factory: TownFactory, tmp_path: Path) -> None:
    a, b = _shared_pair(town_factory, tmp_path)
    for town, tag in ((a, "a"), (b, "b")):
        made = [town.bd("create", f"{tag} {n}", "--json").json()["id"] for n in range(4)]
        town.bd("update", *made, "--status", "in_progress", "--add-label", tag)  # 8 events
        town.bd("close", *made[:3], "--reason", "batch")  # 3 events
    a_batches = set(_batches(a.events()))
    b_batches = set(_batches(b.events()))
    assert len(a_batches) == len(b_batches) == 2
    _sync(a)
    merged = _sync(b)  # a real merge: both sides appended after the common base
    assert merged["pulled"] == len(a.events()) and merged["pushed"], merged
    parents = b.git(b.root, "rev-list", "--parents", "-n", "1", "HEAD").split()
    assert len(parents) == 3, "the pull was a merge, not a rebase or a fast-forward"
    _sync(a)
    events = b.events()
    assert set(_batches(events)) == a_batches | b_batches
    assert _event_ids(a) == _event_ids(b)
    listed = b.bd("list", "--all", "--json")
    assert listed.stderr == "", "no torn batch or malformed line reported"
    statuses = sorted(bead["status"] for bead in listed.json())
    assert statuses == ["closed"] * 6 + ["in_progress"] * 2
    assert _export(a, tmp_path) == _export(b, tmp_path)


def test_a_push_rejected_every_time_gives_up_after_the_retries(
    town_factory: TownFactory, tmp_path: Path
) -> None:
    a, b = _shared_pair(town_factory, tmp_path)
    _append(b, "b")
    _install_race_hook(b, a, tmp_path, every_push=True)
    result = b.gt("sync", "--retries", "1", check=False)
    assert result.returncode == 1, result
    assert result.stderr.startswith(
        "gt: sync gave up: the push to origin was rejected 2 time(s) because someone else "
        "pushed in between each time; run gt sync again"
    ), result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "raced-b").read_text() == "2"

    (b.root / ".git" / "hooks" / "pre-push").unlink()
    assert _sync(b)["pushed"] is True
    _sync(a)
    assert _event_ids(a) == _event_ids(b)
    assert _export(a, tmp_path) == _export(b, tmp_path)


def test_a_torn_tail_is_mended_before_it_is_committed(
    town_factory: TownFactory, tmp_path: Path
) -> None:
    a, b = _shared_pair(town_factory, tmp_path)
    kept = a.bd("create", "kept", "--json").json()["id"]
    torn = a.bd("create", "torn", check=False, env={"GT_FAULT": "log.partial_write"})
    assert torn.returncode != 0
    log = a.root / LOG
    assert not log.read_bytes().endswith(b"\n"), "the writer died mid-line"
    fragment = log.read_bytes().rsplit(b"\n", 1)[1]

    assert _sync(a)["committed"] is True
    committed = subprocess.run(["git", "show", f"HEAD:{LOG}"], cwd=a.root, env=a.env,
                               capture_output=True, check=True).stdout  # fmt: skip
    assert committed.endswith(fragment + b"\n"), "the fragment was committed as its own line"
    assert committed == log.read_bytes()

    pulled = b.gt("sync", "--json")
    assert pulled.json()["pulled"] == 1, "the fragment is no event"
    number = len(committed.splitlines())
    assert f"events.jsonl:{number}: " in pulled.stderr, "the fragment is reported, once"
    listed = b.bd("list", "--all", "--json")
    assert [bead["id"] for bead in listed.json()] == [kept]
    later = b.bd("create", "after the tear", "--json").json()["id"]
    _sync(b)
    _sync(a)
    assert (a.root / LOG).read_bytes() == (b.root / LOG).read_bytes()
    lines = (a.root / LOG).read_bytes().splitlines()
    assert lines.count(fragment) == 1
    assert a.bead(later)["title"] == "after the tear"
    assert _export(a, tmp_path) == _export(b, tmp_path)


@pytest.mark.parametrize("side", ["remote", "local"])
def test_a_conflict_outside_the_log_aborts_the_merge(
    town_factory: TownFactory, tmp_path: Path, side: str
) -> None:
    a, b = _shared_pair(town_factory, tmp_path)
    (a.root / "formulas" / "README.md").write_text("changed in a\n")
    _sync(a)
    (b.root / "formulas" / "README.md").write_text("changed in b\n")
    b.bd("create", "still here")
    result = b.gt("sync", check=False)
    assert result.returncode == 1
    assert "conflicts in formulas/README.md" in result.stderr, result.stderr
    assert not (b.root / ".git" / "MERGE_HEAD").exists(), "the merge was aborted"
    assert b.git(b.root, "status", "--porcelain") == ""
    assert (b.root / "formulas" / "README.md").read_text() == "changed in b\n"


def _slow_remote(town: TownRunner, tmp_path: Path, give_up_after: float) -> tuple[Path, Path]:
    """The remote's upload-pack (run by ls-remote and fetch) waits until the test creates
    `release` (or `give_up_after` seconds): (the marker it creates on start, release)."""
    started, release = tmp_path / "upload-pack-started", tmp_path / "upload-pack-release"
    script = tmp_path / "slow-upload-pack"
    script.write_text(f"""#!/bin/sh
touch {started}
n=0
while [ ! -e {release} ] && [ $n -lt {int(give_up_after * 10)} ]; do sleep 0.1; n=$((n+1)); done
exec git upload-pack "$@"
""")
    script.chmod(0o755)
    town.git(town.root, "config", "remote.origin.uploadpack", str(script))
    return started, release


def test_a_sync_waiting_on_the_remote_never_blocks_the_towns_writers(
    town: TownRunner, tmp_path: Path
) -> None:
    remote = _remote(tmp_path, town)
    town.git(town.root, "remote", "add", "origin", str(remote))
    _sync(town)
    started, release = _slow_remote(town, tmp_path, give_up_after=20)
    sync = subprocess.Popen([sys.executable, "-m", "gastown_tui.cli.gt_main", "sync", "--json"],
                            cwd=town.root, env=town.env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)  # fmt: skip
    try:
        eventually(started.exists, what="gt sync to be talking to the remote")
        begun = time.monotonic()
        bead = town.bd("create", "Written while the remote is slow", "--json").json()["id"]
        waited = time.monotonic() - begun
        assert sync.poll() is None, "the sync is still waiting on the remote"
        assert waited < 10, f"bd create waited {waited:.1f} s for gt sync's network call"
        release.touch()
        out, err = sync.communicate(timeout=60)
    finally:
        release.touch()
        if sync.poll() is None:
            sync.kill()
            sync.wait()
    assert sync.returncode == 0, err
    assert json.loads(out)["pushed"] is True
    # What was written during the fetch went out with this sync.
    assert (
        bead.encode()
        in subprocess.run(
            ["git", "--git-dir", str(remote), "show", f"main:{LOG}"],
            capture_output=True,
            check=True,
        ).stdout
    )


def test_a_hung_remote_is_given_up_after_the_network_timeout(
    town: TownRunner, tmp_path: Path
) -> None:
    remote = _remote(tmp_path, town)
    town.git(town.root, "remote", "add", "origin", str(remote))
    toml = town.root / "town.toml"
    text = toml.read_text()
    assert "network_timeout = 60\n" in text
    toml.write_text(text.replace("network_timeout = 60\n", "network_timeout = 2\n"))
    _slow_remote(town, tmp_path, give_up_after=60)
    begun = time.monotonic()
    failed = town.gt("sync", check=False)
    assert time.monotonic() - begun < 30
    assert failed.returncode == 1, failed.stderr
    assert "sync failed" in failed.stderr and "did not complete in 2 secs" in failed.stderr, (
        failed.stderr
    )
    town.bd("create", "The town still writes")  # no lock left behind
