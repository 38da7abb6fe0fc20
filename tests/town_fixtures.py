"""A real town in tmp_path for integration tests: its own tmux server, real git, the real CLI.

Each test gets a short private `TMUX_TMPDIR` (socket paths have a length limit) and its own
socket name, `HOME`, a fixed git identity, and the `test` threshold profile. The tmux server is
killed afterwards. Waits are retry-until-true with a cap (`eventually`), never fixed sleeps.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer", "GIT_COMMITTER_EMAIL": "committer@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}  # fmt: skip


def eventually(
    check: Callable[[], T],
    timeout: float = 60.0,
    what: str = "condition",
    describe: Callable[[], object] | None = None,
) -> T:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds (with what
    `describe` says about the state then, when given)."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    last: T | None = None
    while True:
        last = check()
        if last:
            return last
        if time.monotonic() > deadline:
            state = f"\n{describe()}" if describe is not None else ""
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what}; last: {last!r}{state}"
            )
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclass
class TownRunner:
    """Runs `gt` and `bd` (the real command lines, as subprocesses) against one town."""

    root: Path
    env: dict[str, str]
    cwd: Path = field(init=False)

    def __post_init__(self) -> None:
        self.cwd = self.root

    def _run(self, module: str, args: tuple[str, ...], check: bool, cwd: Path | None,
             extra_env: dict[str, str] | None, input: bytes | None) -> CliResult:  # fmt: skip
        env = {**self.env, **(extra_env or {})}
        done = subprocess.run(
            [sys.executable, "-m", module, *args], cwd=cwd or self.cwd, env=env,
            input=input, capture_output=True, timeout=180,
        )  # fmt: skip
        result = CliResult(done.returncode, done.stdout.decode("utf-8", "replace"),
                           done.stderr.decode("utf-8", "replace"))  # fmt: skip
        if check and done.returncode != 0:
            raise AssertionError(f"{module} {' '.join(args)} exited {done.returncode}\n"
                                 f"stdout: {result.stdout}\nstderr: {result.stderr}")  # fmt: skip
        return result

    def gt(self, *args: str, check: bool = True, cwd: Path | None = None,
           env: dict[str, str] | None = None, input: bytes | None = None) -> CliResult:  # fmt: skip
        return self._run("gastown_tui.cli.gt_main", args, check, cwd, env, input)

    def bd(self, *args: str, check: bool = True, cwd: Path | None = None,
           env: dict[str, str] | None = None, input: bytes | None = None) -> CliResult:  # fmt: skip
        return self._run("gastown_tui.cli.bd_main", args, check, cwd, env, input)

    @property
    def socket(self) -> str:
        return self.env["GT_TMUX_SOCKET"]

    def tmux(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-L", self.socket, *args], env=self.env, text=True,
                              capture_output=True, check=check)  # fmt: skip

    def sessions(self) -> list[str]:
        done = self.tmux("list-sessions", "-F", "#{session_name}")
        return done.stdout.split() if done.returncode == 0 else []

    def events(self) -> list[dict[str, Any]]:
        path = self.root / ".beads" / "events.jsonl"
        return [json.loads(line) for line in path.read_bytes().splitlines() if line.strip()]

    def bead(self, bead_id: str) -> dict[str, Any]:
        shown = self.bd("show", bead_id, "--json").json()
        assert isinstance(shown, list) and len(shown) == 1
        return dict(shown[0])

    def git(self, repository: Path, *args: str) -> str:
        done = subprocess.run(["git", *args], cwd=repository, env=self.env, text=True,
                              capture_output=True, check=True)  # fmt: skip
        return done.stdout.strip()


CHECK_CALC = "python3 -c 'import calc; assert calc.add(1, 1) == 2'"


def make_source_repo(folder: Path, env: dict[str, str], *, kind: str = "pytest") -> Path:
    """A small git repository with its own passing tests (`kind`: pytest, make or script)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text("line one\nline two\nline three\n")
    (folder / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    if kind == "pytest":
        (folder / "test_calc.py").write_text(
            "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
        )
    elif kind == "make":
        (folder / "Makefile").write_text(
            "test:\n\tpython3 -c 'import calc; assert calc.add(1, 1) == 2'\n"
        )
    else:
        (folder / "test.sh").write_text("python3 -c 'import calc; assert calc.add(1, 1) == 2'\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True)
    return folder


# Set in os.environ by snapshot and Pilot tests running earlier in the same worker: Rich would
# size a child's app by them instead of by its terminal.
LEAKED_TERMINAL_VARS = ("COLUMNS", "LINES", "TEXTUAL_")


def town_env(home: Path, tmux_dir: Path) -> dict[str, str]:
    dropped = ("BD_", "GT_", "BEADS_", "TMUX", *LEAKED_TERMINAL_VARS)
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env.update(GIT_IDENTITY)
    env.update({
        "HOME": str(home), "PYTHONUTF8": "1", "TMUX_TMPDIR": str(tmux_dir),
        "GT_TMUX_SOCKET": f"gtt-{uuid.uuid4().hex[:8]}", "GT_PROFILE": "test",
        "GIT_CONFIG_NOSYSTEM": "1",
    })  # fmt: skip
    # The test user works in the dev venv (as after `source .venv/bin/activate`): sessions and
    # gates use the user's python3 (DESIGN §5), and the rigs' pytest gates need one with pytest.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture
def tmux_dir() -> Iterator[Path]:
    """A short private TMUX_TMPDIR (unix socket paths are limited to ~100 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="gtx", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def town_factory(tmp_path: Path, tmux_dir: Path) -> Iterator[Callable[..., TownRunner]]:
    """Make installed towns (each with its own tmux socket); all their servers die afterwards."""
    made: list[TownRunner] = []

    def make(name: str = "town", *, install: bool = True) -> TownRunner:
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        runner = TownRunner(tmp_path / name, town_env(home, tmux_dir))
        runner.env["GT_TOWN"] = str(runner.root)
        made.append(runner)
        if install:
            runner.gt("install", str(runner.root), "--profile", "test", cwd=tmp_path)
        return runner

    yield make
    for runner in made:
        runner.tmux("kill-server")


@pytest.fixture
def town(town_factory: Callable[..., TownRunner]) -> TownRunner:
    return town_factory()


@pytest.fixture
def rig_town(town: TownRunner, tmp_path: Path) -> TownRunner:
    """A town with one rig `demo` (prefix `dm`, sim runtime) cloned from a repo with tests."""
    source = make_source_repo(tmp_path / "source", town.env)
    town.gt("rig", "add", "demo", str(source), "--prefix", "dm", "--runtime", "sim",
            "--no-gate-check")  # fmt: skip
    return town


def create_bead(town: TownRunner, title: str, *extra: str, rig: str = "demo") -> str:
    """`bd create TITLE --rig RIG`; the new bead's id."""
    return str(town.bd("create", title, "--rig", rig, *extra, "--json").json()["id"])


def messages(town: TownRunner, address: str, kind: str) -> list[dict[str, Any]]:
    """Every message of type `kind` ever sent to `address`, archived ones included."""
    listed = town.bd("list", "--all", "-t", "message", "--assignee", address, "--json").json()
    return [m for m in listed if f"msg-type:{kind}" in m.get("labels", [])]


def patrols(town: TownRunner, name: str) -> list[dict[str, Any]]:
    """The `patrol` events of patrol `name`: only passes that found something are logged."""
    return [e for e in town.events() if e["op"] == "patrol" and e["data"]["patrol"] == name]


def heartbeat(town: TownRunner, name: str) -> dict[str, Any] | None:
    """`.runtime/heartbeats/<name>.json` (tick, pid, ts), or None before the first beat."""
    path = town.root / ".runtime" / "heartbeats" / f"{name}.json"
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None


def beat_of(town: TownRunner, name: str, pid: int) -> dict[str, Any] | None:
    """Heartbeat `name` when process `pid` wrote it (not an earlier daemon), else None."""
    beat = heartbeat(town, name)
    return beat if beat is not None and beat["pid"] == pid else None


def patrol_tick(town: TownRunner, name: str) -> int:
    """The tick of patrol `name`'s last finished pass (its heartbeat), 0 before the first."""
    beat = heartbeat(town, f"patrol-{name}")
    return int(beat["tick"]) if beat else 0


def findings(town: TownRunner, name: str, **match: Any) -> list[tuple[int, dict[str, Any]]]:
    """(tick, finding) of every finding of patrol `name` whose keys match `match`."""
    found = []
    for event in patrols(town, name):
        for finding in event["data"]["findings"]:
            if all(finding.get(k) == v for k, v in match.items()):
                found.append((int(event["data"]["tick"]), finding))
    return found


@contextmanager
def foreground_daemon(
    town: TownRunner, first: str = "deacon", **env: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`gt daemon run` as this test's child (so a GT_FAULT reaches it), once it has finished a
    first pass of patrol `first` (its heartbeat carries this process's pid); stopped afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gastown_tui.cli.gt_main", "daemon", "run"],
        cwd=town.root, env={**town.env, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        eventually(lambda: beat_of(town, f"patrol-{first}", process.pid), what=f"a {first} patrol")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)
