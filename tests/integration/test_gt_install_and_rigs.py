"""`gt install` and `gt rig add|list|remove` through the real command line (DESIGN §5).

A town is a git repository that tracks only its shared files; a rig is a bare clone plus
rig.toml with detected (or given) gates, recorded as a `rig` bead in the town's log.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from town_fixtures import TownRunner, eventually, make_source_repo

from gastown_tui.core.rig_settings import parse_rig_settings
from gastown_tui.core.town_settings import PROFILES, parse_town_settings

TOWN_FILES = [".beads/config.toml", ".beads/events.jsonl", ".gitattributes", ".gitignore",
              "formulas/README.md", "town.toml"]  # fmt: skip


def ops(town: TownRunner, op: str, bead: str | None = None) -> list[dict[str, Any]]:
    return [e for e in town.events() if e["op"] == op and (bead is None or e["bead"] == bead)]


def tree(root: Path) -> set[str]:
    """Every path under `root` except inside .git, for 'nothing was created' checks."""
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if ".git" not in p.relative_to(root).parts[:1]
            and not p.name.endswith(("-wal", "-shm"))}  # fmt: skip


def tracked(town: TownRunner) -> list[str]:
    return sorted(town.git(town.root, "ls-files").splitlines())


def refused(result: Any, *needles: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)


def test_install_creates_a_git_tracked_town_and_refuses_a_second_install(
    town_factory: Callable[..., TownRunner],
) -> None:
    town = town_factory("hamlet", install=False)
    bad = town.gt("install", str(town.root), "--profile", "fast", check=False, cwd=town.root.parent)
    refused(bad, "'fast'", "default, demo, test")
    assert not town.root.exists()
    blocker = town.root.parent / "a-file"
    blocker.write_text("not a directory\n")
    refused(town.gt("install", str(blocker / "town"), check=False, cwd=town.root.parent),
            "cannot make a town in", "Not a directory")  # fmt: skip
    refused(town.gt("install", str(blocker), check=False, cwd=town.root.parent),
            "cannot make a town in", "File exists")  # fmt: skip
    assert blocker.read_text() == "not a directory\n"

    made = town.gt("install", str(town.root), "--json", cwd=town.root.parent).json()
    assert made == {"town": str(town.root), "socket": town.socket, "profile": "default"}
    settings = parse_town_settings((town.root / "town.toml").read_text(), "town.toml")
    assert settings.name == "hamlet" and settings.profile == "default"
    assert set(settings.profiles) == {"default", "demo", "test"}
    for name, thresholds in PROFILES.items():
        assert settings.profiles[name] == thresholds
    assert settings.profiles["test"].tick < 1 < settings.profiles["demo"].tick
    assert (town.root / ".beads" / "config.toml").is_file()
    assert (town.root / "formulas").is_dir() and (town.root / "rigs").is_dir()
    assert ".beads/events.jsonl merge=union" in (town.root / ".gitattributes").read_text()
    assert tracked(town) == TOWN_FILES
    assert town.git(town.root, "rev-list", "--count", "HEAD") == "1"
    assert town.git(town.root, "status", "--porcelain", "--untracked-files=all") == ""
    assert town.events() == []

    before = (town.root / "town.toml").read_bytes(), tree(town.root)
    again = town.gt("install", str(town.root), "--profile", "demo", check=False)
    refused(again, "already holds a town")
    assert ((town.root / "town.toml").read_bytes(), tree(town.root)) == before
    assert town.git(town.root, "rev-list", "--count", "HEAD") == "1"


def test_the_town_repository_never_tracks_clones_worktrees_or_local_state(
    rig_town: TownRunner,
) -> None:
    town = rig_town
    bead = town.bd("create", "Track me", "--rig", "demo", "--json").json()["id"]
    town.gt("crew", "add", "alice", "demo")
    town.gt("polecat", "spawn", "demo")
    assert (town.root / ".beads" / "beads.db").exists() and (town.root / ".runtime").is_dir()
    assert (town.root / "rigs/demo/repo.git").is_dir()
    assert (town.root / "rigs/demo/crew/alice").is_dir()
    # rig add committed its rig.toml; everything else stays local.
    assert tracked(town) == sorted([*TOWN_FILES, "rigs/demo/rig.toml"])
    assert "rig demo" in town.git(town.root, "log", "-1", "--format=%s")
    assert town.git(town.root, "ls-files", "--others", "--exclude-standard") == ""
    assert town.git(town.root, "diff", "--name-only") == ".beads/events.jsonl"
    # Staging everything (what a sync would do) still picks up only the shared files.
    town.git(town.root, "add", "--all")
    assert tracked(town) == sorted([*TOWN_FILES, "rigs/demo/rig.toml"])
    assert bead in (town.root / ".beads" / "events.jsonl").read_text()


def _source_on_trunk(folder: Path, env: dict[str, str]) -> Path:
    make_source_repo(folder, env, kind="make")
    subprocess.run(["git", "branch", "-m", "main", "trunk"], cwd=folder, env=env, check=True)
    return folder


def _source_without_tests(folder: Path, env: dict[str, str]) -> Path:
    folder.mkdir()
    (folder / "README.md").write_text("no tests here\n")
    (folder / "Makefile").write_text("build:\n\ttrue\n\ntest-data:\n\ttrue\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True)
    return folder


def test_rig_add_clones_bare_detects_gates_and_records_a_rig_bead(
    town: TownRunner, tmp_path: Path
) -> None:
    sources = {
        "maker": _source_on_trunk(tmp_path / "maker", town.env),
        "pyproj": make_source_repo(tmp_path / "pyproj", town.env, kind="pytest"),
        "shell": make_source_repo(tmp_path / "shell", town.env, kind="script"),
        "bare": _source_without_tests(tmp_path / "bare", town.env),
    }
    expected = {"maker": ("make test", "trunk"), "pyproj": ("python3 -m pytest -q", "main"),
                "shell": ("sh test.sh", "main"), "bare": (None, "main")}  # fmt: skip
    for name, source in sources.items():
        added = town.gt("rig", "add", name, str(source), "--json", "--no-gate-check").json()
        command, branch = expected[name]
        assert added["name"] == name and added["prefix"] == name
        assert added["default_branch"] == branch and added["runtime"] == "claude"
        assert added["source"] == str(source)
        gates = [{"name": "test", "command": command, "timeout": 1800}] if command else []
        assert added["gates"] == gates
        repo = town.root / "rigs" / name / "repo.git"
        assert town.git(repo, "rev-parse", "--is-bare-repository") == "true"
        assert town.git(repo, "symbolic-ref", "HEAD") == f"refs/heads/{branch}"
        rig_toml = (town.root / "rigs" / name / "rig.toml").read_text()
        settings = parse_rig_settings(rig_toml, "rig.toml")
        assert settings.default_branch == branch and settings.source == str(source)
        assert [g.command for g in settings.gates] == ([command] if command else [])
        (created,) = ops(town, "create", f"hq-rig-{name}")
        record = created["data"]["record"]
        assert record["issue_type"] == "rig" and record["status"] == "open"
        assert record["metadata"]["prefix"] == name
        assert record["metadata"]["default_branch"] == branch
    shown = town.bead("hq-rig-maker")
    assert shown["issue_type"] == "rig" and shown["metadata"]["source"] == str(sources["maker"])

    # Given gates win over detection; --runtime and --prefix are kept.
    custom = town.gt(
        "rig", "add", "custom", str(sources["maker"]), "--prefix", "cu", "--runtime", "sim",
        "--gate", "test=python3 -m pytest -x tests", "--gate-timeout", "test=60",
        "--gate", "lint=ruff check .", "--json", "--no-gate-check",
    ).json()  # fmt: skip
    assert custom.pop("gate_check") == []
    assert custom["prefix"] == "cu" and custom["runtime"] == "sim"
    assert custom["gates"] == [
        {"name": "lint", "command": "ruff check .", "timeout": 300},
        {"name": "test", "command": "python3 -m pytest -x tests", "timeout": 60},
    ]
    settings = parse_rig_settings((town.root / "rigs/custom/rig.toml").read_text(), "rig.toml")
    assert settings.runtime == "sim" and settings.prefix == "cu"
    assert {g.name: g.timeout for g in settings.gates} == {"lint": 300, "test": 60}

    listed = town.gt("rig", "list", "--json").json()
    assert [row["name"] for row in listed] == ["bare", "custom", "maker", "pyproj", "shell"]
    assert next(r for r in listed if r["name"] == "custom") == custom
    assert "rigs/custom/rig.toml" in tracked(town)

    # Refusals: nothing logged, nothing created.
    before = len(town.events()), tree(town.root)
    refused(town.gt("rig", "add", "maker", str(sources["shell"]), check=False),
            "rig 'maker' already exists")  # fmt: skip
    refused(town.gt("rig", "add", "other", str(sources["shell"]), "--prefix", "cu", check=False),
            "prefix 'cu' is already used by rig 'custom'", "--prefix")  # fmt: skip
    refused(town.gt("rig", "add", "ghost", str(tmp_path / "missing"), check=False),
            "cannot clone")  # fmt: skip
    injected = town.gt("rig", "add", "dash", "--", f"--upload-pack=touch {tmp_path / 'pwned'}",
                       check=False)  # fmt: skip
    refused(injected, "must be a path or URL, not start with '-'")
    assert not (tmp_path / "pwned").exists()
    empty = tmp_path / "empty"
    subprocess.run(["git", "init", "-q", "-b", "main", str(empty)], env=town.env, check=True)
    refused(town.gt("rig", "add", "ghost", str(empty), check=False),
            "has no commits on its default branch 'main'")  # fmt: skip
    refused(town.gt("rig", "add", "empty", str(sources["bare"]), "--gate", "test", check=False),
            "--gate 'test'")  # fmt: skip
    refused(town.gt("rig", "add", "empty", str(sources["bare"]), "--gate-timeout", "test=60",
                    check=False), "for a gate given with --gate")  # fmt: skip
    refused(town.gt("rig", "add", "empty", str(sources["bare"]), "--gate", "test=x",
                    "--gate-timeout", "test=0", check=False), "test=0")  # fmt: skip
    assert (len(town.events()), tree(town.root)) == before
    assert not (town.root / "rigs" / "ghost").exists()


def test_rig_names_and_prefixes_are_per_rig_and_polecat_names_repeat_across_rigs(
    rig_town: TownRunner, tmp_path: Path
) -> None:
    town = rig_town
    source = make_source_repo(tmp_path / "second", town.env, kind="script")
    # `dm-x` next to `dm` would let `dm` + `x-nux` and `dm-x` + `nux` share a session name.
    clash = town.gt("rig", "add", "second", str(source), "--prefix", "dm-x", check=False)
    refused(clash, "would share session names with rig 'demo'")
    assert not (town.root / "rigs" / "second").exists()
    town.gt("rig", "add", "second", str(source), "--prefix", "dmx", "--runtime", "sim",
            "--no-gate-check")  # fmt: skip
    first = town.gt("polecat", "spawn", "demo", "--json").json()
    second = town.gt("polecat", "spawn", "second", "--json").json()
    assert first["id"] == "dm-agent-nux" and second["id"] == "dmx-agent-nux"
    assert first["metadata"]["address"] == "demo/polecats/nux"
    assert second["metadata"]["address"] == "second/polecats/nux"


def test_rig_remove_refuses_while_its_sessions_live_and_closes_the_rig_bead(
    rig_town: TownRunner, tmp_path: Path
) -> None:
    town = rig_town
    # A second rig whose prefix starts like the first's: its sessions are not demo's.
    other = make_source_repo(tmp_path / "other", town.env, kind="script")
    town.gt("rig", "add", "other", str(other), "--prefix", "dmx", "--runtime", "sim",
            "--no-gate-check")  # fmt: skip
    for rig in ("demo", "other"):
        bead = town.bd("create", f"Busy in {rig}", "--rig", rig, "--json").json()["id"]
        town.gt("sling", bead, rig, "--var", "sim.mode=hang")
    eventually(lambda: {"dm-nux", "dmx-nux"} <= set(town.sessions()), what="both sessions")

    before = len(town.events())
    refusal = town.gt("rig", "remove", "demo", check=False)
    refused(refusal, "rig 'demo' has live sessions (dm-nux)", "--force")
    assert "dmx-nux" not in refusal.stderr
    assert len(town.events()) == before and (town.root / "rigs/demo/repo.git").is_dir()
    refused(town.gt("rig", "remove", "nowhere", check=False), "no rig 'nowhere'")

    removed = town.gt("rig", "remove", "demo", "--force", "--json").json()
    assert removed == {"removed": "demo", "stopped_sessions": ["dm-nux"], "kept_at": None}
    assert not (town.root / "rigs" / "demo").exists()
    assert town.sessions() == ["dmx-nux"], "the other rig's polecat keeps working"
    (closed,) = ops(town, "close", "hq-rig-demo")
    assert closed["data"]["set"]["close_reason"] == "rig removed"
    assert town.bead("hq-rig-demo")["status"] == "closed"
    assert [r["name"] for r in town.gt("rig", "list", "--json").json()] == ["other"]
    assert "rigs/demo/rig.toml" not in tracked(town)
    assert "rigs/other/rig.toml" in tracked(town)

    # A crashed agent's dead pane is no live session, but its bead is still on the hook:
    # unlanded work needs --force; the dead pane is cleaned up.
    town.tmux("send-keys", "-t", "=dmx-nux:", "C-c")
    eventually(lambda: town.tmux("list-panes", "-t", "=dmx-nux:", "-F", "#{pane_dead}"
                                 ).stdout.strip() == "1", what="the pane to die")  # fmt: skip
    refused(town.gt("rig", "remove", "other", check=False), "not landed or not pushed",
            "bead(s) on a hook", "--force")  # fmt: skip
    stopped = town.gt("rig", "remove", "other", "--force", "--json").json()["stopped_sessions"]
    assert stopped == ["dmx-nux"] and town.sessions() == []
    assert not (town.root / "rigs" / "other").exists()
    # Adding a removed rig back reopens the same rig bead.
    again = town.gt("rig", "add", "demo", str(other), "--prefix", "dm", "--json",
                    "--no-gate-check").json()  # fmt: skip
    assert again["default_branch"] == "main"
    record = town.bead("hq-rig-demo")
    assert record["status"] == "open" and "closed_at" not in record
    assert "close_reason" not in record and record["metadata"]["source"] == str(other)


def test_a_hand_broken_town_toml_or_rig_toml_is_refused_with_the_file_and_reason(
    town: TownRunner,
) -> None:
    town_toml = town.root / "town.toml"
    good = town_toml.read_text()
    named = 'name = "t"\n'
    town_cases = {
        named + "profiles = 3\n": "'profiles' must be a table",
        named + "[profiles]\ntest = 5\n": "'test' must be a table",
        named + 'dispatch = "yes"\n': "'dispatch' must be a table",
        named + "escalation = []\n": "'escalation' must be a table",
        named + "[profiles.test]\ntick = -1\n": "must be a positive number",
    }
    for broken, reason in town_cases.items():
        town_toml.write_text(broken)
        refused(town.gt("status", "--json", check=False), "town.toml", reason)
    town_toml.write_text(good)

    rig_toml = town.root / "rigs" / "handmade" / "rig.toml"
    rig_toml.parent.mkdir()
    head = 'name = "handmade"\nprefix = "hm"\nsource = "/nowhere"\n'
    rig_cases = {
        head + 'gates = "make test"\n': "'gates' must be a table",
        head + 'max_polecats = "many"\n': "max_polecats must be a positive integer",
        head + "agent = 1\n": "'agent' must be a table",
        head + "[merge_queue]\nbatch = 0\n": "batch must be a positive integer",
        head.replace('"hm"', '"HM"'): "prefix name 'HM' is not allowed",
    }
    for broken, reason in rig_cases.items():
        rig_toml.write_text(broken)
        refused(town.gt("rig", "list", "--json", check=False), str(rig_toml), reason)
    rig_toml.write_text(head)
    assert [r["name"] for r in town.gt("rig", "list", "--json").json()] == ["handmade"]


def test_install_takes_a_name_and_a_profile(
    town_factory: Callable[..., TownRunner], tmp_path: Path
) -> None:
    town = town_factory("harbor", install=False)
    made = town.gt("install", str(town.root), "--name", "Harbor Town", "--profile", "demo",
                   "--json", cwd=tmp_path).json()  # fmt: skip
    assert made["town"] == str(town.root) and made["profile"] == "demo"
    settings = parse_town_settings((town.root / "town.toml").read_text(), "town.toml")
    assert settings.name == "Harbor Town" and settings.profile == "demo"
    status = town.gt("status", "--json", env={"GT_PROFILE": ""}).json()
    assert status["town"] == "Harbor Town"


def test_install_into_a_directory_with_its_own_files_never_overwrites_them(
    town_factory: Callable[..., TownRunner], tmp_path: Path
) -> None:
    town = town_factory("attic", install=False)
    mine = {".gitignore": "*.log\n", ".gitattributes": "*.png binary\n",
            "formulas/README.md": "my notes\n", "notes.txt": "keep me\n"}  # fmt: skip
    for name, text in mine.items():
        (town.root / name).parent.mkdir(parents=True, exist_ok=True)
        (town.root / name).write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main", str(town.root)], check=True, env=town.env)
    town.git(town.root, "add", "notes.txt")  # staged by the user, not the town's to commit
    before = tree(town.root)
    refused(town.gt("install", str(town.root), check=False, cwd=tmp_path),
            ".gitignore, .gitattributes, formulas/README.md", "nothing was changed")  # fmt: skip
    assert tree(town.root) == before
    assert {name: (town.root / name).read_text() for name in mine} == mine

    # With only files of its own kind out of the way, the town goes in beside the user's.
    for name in (".gitignore", ".gitattributes", "formulas/README.md"):
        (town.root / name).unlink()
    town.gt("install", str(town.root), cwd=tmp_path)
    assert (town.root / "notes.txt").read_text() == "keep me\n"
    committed = town.git(town.root, "ls-tree", "-r", "--name-only", "HEAD").splitlines()
    assert sorted(committed) == TOWN_FILES, "the user's staged file stays out of the town's commit"
    assert town.git(town.root, "diff", "--cached", "--name-only") == "notes.txt"

    other = tmp_path / "project"
    (other / ".beads").mkdir(parents=True)
    (other / ".beads" / "config.toml").write_text('prefix = "proj"\n')
    refused(town.gt("install", str(other), check=False, cwd=tmp_path), ".beads/config.toml")
    assert not (other / "town.toml").exists()
    assert (other / ".beads" / "config.toml").read_text() == 'prefix = "proj"\n'
