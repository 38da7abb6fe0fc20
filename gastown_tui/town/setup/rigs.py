"""`gt rig add|list|remove`: the repositories a town manages.

A rig is `rigs/<name>/rig.toml` plus a bare clone `repo.git` (the branch exchange between
polecats and the Refinery). Gates are detected from the default branch unless given.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from gastown_tui.core import events as ev
from gastown_tui.core.ids import TOWN_PREFIX, InvalidNameError, check_name
from gastown_tui.core.rig_settings import (
    DEFAULT_GATE_TIMEOUT,
    GATE_NAMES,
    Gate,
    RigSettings,
    check_runtime,
    rig_toml_text,
)
from gastown_tui.core.town_settings import SettingsError
from gastown_tui.runtime.git_repo import GitError, clone_bare, git_run, rev_parse
from gastown_tui.store.write_transaction import write_transaction
from gastown_tui.town.town import Town, TownError
from gastown_tui.town.town_git import commit_rig_file

_MAKE_TEST = re.compile(r"^test\s*:", re.MULTILINE)


def rig_bead_id(name: str) -> str:
    return f"{TOWN_PREFIX}-rig-{name}"


def detect_gates(repository: Path, branch: str) -> list[Gate]:
    """A Makefile `test` target, else pytest, else `test.sh` (DESIGN §5)."""
    try:
        names = set(git_run(repository, "ls-tree", "--name-only", branch).splitlines())
    except GitError:
        return []
    if "Makefile" in names:
        makefile = git_run(repository, "show", f"{branch}:Makefile")
        if _MAKE_TEST.search(makefile):
            return [Gate("test", "make test", DEFAULT_GATE_TIMEOUT["test"])]
    pytest_markers = {"pytest.ini", "conftest.py", "tests", "setup.cfg", "tox.ini"}
    has_pytest = bool(names & pytest_markers) or any(
        n.startswith("test_") and n.endswith(".py") for n in names
    )
    if "pyproject.toml" in names and "[tool.pytest" in git_run(
        repository, "show", f"{branch}:pyproject.toml"
    ):
        has_pytest = True
    if has_pytest:
        return [Gate("test", "python3 -m pytest -q", DEFAULT_GATE_TIMEOUT["test"])]
    if "test.sh" in names:
        return [Gate("test", "sh test.sh", DEFAULT_GATE_TIMEOUT["test"])]
    return []


def parse_gate_options(gates: list[str], timeouts: list[str]) -> dict[str, Gate]:
    """`--gate NAME=CMD` and `--gate-timeout NAME=SECONDS` into gates."""
    given: dict[str, Gate] = {}
    for spec in gates:
        name, sep, command = spec.partition("=")
        if not sep or name not in GATE_NAMES or not command.strip():
            raise TownError(
                f"--gate {spec!r}: use NAME=COMMAND with NAME one of {', '.join(GATE_NAMES)}"
            )
        given[name] = Gate(name, command, DEFAULT_GATE_TIMEOUT[name])
    for spec in timeouts:
        name, sep, seconds = spec.partition("=")
        if not sep or name not in given or not seconds.isdigit() or int(seconds) <= 0:
            raise TownError(
                f"--gate-timeout {spec!r}: use NAME=SECONDS for a gate given with --gate"
            )
        given[name] = Gate(name, given[name].command, int(seconds))
    return given


def default_prefix(name: str) -> str:
    return name[:12].rstrip("-_") or name


def add_rig(
    town: Town,
    name: str,
    source: str,
    *,
    prefix: str | None,
    gates: dict[str, Gate],
    runtime: str | None,
    actor: str,
) -> RigSettings:
    """Clone `source` bare into the town, write rig.toml and record a rig bead."""
    try:
        check_name("rig", name)
        prefix = check_name("prefix", prefix or default_prefix(name))
        chosen_runtime = check_runtime(runtime) if runtime else "claude"
    except (InvalidNameError, SettingsError) as error:
        raise TownError(str(error)) from error
    rigs = town.rigs()
    if name in rigs or town.paths.rig(name).exists():
        raise TownError(f"rig {name!r} already exists")
    taken = {rig.prefix: rig.name for rig in rigs.values()}
    if prefix in taken:
        raise TownError(f"prefix {prefix!r} is already used by rig {taken[prefix]!r}; "
                        "choose another with --prefix")  # fmt: skip
    for other, owner in taken.items():
        # Sessions are `<prefix>-<name>`: `dm` + `x-nux` and `dm-x` + `nux` would share one.
        if prefix.startswith(f"{other}-") or other.startswith(f"{prefix}-"):
            raise TownError(
                f"prefix {prefix!r} would share session names with rig {owner!r} "
                f"(prefix {other!r}); choose another with --prefix"
            )
    if source.startswith("-"):  # git would read it as an option
        raise TownError(f"source {source!r} must be a path or URL, not start with '-' "
                        "(write ./ before a path that does)")  # fmt: skip
    location = Path(source).expanduser()
    resolved_source = str(location.resolve()) if location.exists() else source
    repository = town.paths.repo_git(name)
    try:
        branch = clone_bare(resolved_source, repository, town.settings.network_timeout)
    except GitError as error:
        shutil.rmtree(town.paths.rig(name), ignore_errors=True)
        raise TownError(f"cannot clone {source!r}: {error}") from error
    if rev_parse(repository, f"refs/heads/{branch}") is None:  # polecats branch off it
        shutil.rmtree(town.paths.rig(name), ignore_errors=True)
        raise TownError(f"{source!r} has no commits on its default branch {branch!r}: "
                        "commit something first")  # fmt: skip
    detected = {gate.name: gate for gate in detect_gates(repository, branch)}
    merged = {**detected, **gates}
    settings = RigSettings(
        name=name, source=resolved_source, prefix=prefix, default_branch=branch,
        runtime=chosen_runtime,
        gates=tuple(merged[g] for g in GATE_NAMES if g in merged),
    )  # fmt: skip
    town.paths.rig_toml(name).write_text(rig_toml_text(settings), encoding="utf-8")
    town.forget_rigs()
    metadata = {"rig": name, "prefix": prefix, "source": resolved_source,
                "default_branch": branch, "runtime": chosen_runtime}  # fmt: skip
    with write_transaction(town.store, actor) as tx:
        ts = tx.stamp()
        if tx.get(rig_bead_id(name)) is not None:  # a rig of this name was removed earlier
            tx.emit(ev.REOPEN, rig_bead_id(name), {
                "set": {"status": "open", "updated_at": ts},
                "unset": ["closed_at", "close_reason"], "metadata": metadata}, ts)  # fmt: skip
        else:
            tx.emit(ev.CREATE, rig_bead_id(name), {"record": {
                "id": rig_bead_id(name), "title": f"Rig {name}", "status": "open",
                "priority": 2, "issue_type": "rig", "created_at": ts, "created_by": actor,
                "updated_at": ts, "metadata": metadata,
            }}, ts)  # fmt: skip
    commit_rig_file(town.paths.root, name, f"Gas Town: rig {name} added", actor)
    return settings


def rig_summary(settings: RigSettings) -> dict[str, Any]:
    return {
        "name": settings.name, "prefix": settings.prefix, "source": settings.source,
        "default_branch": settings.default_branch, "runtime": settings.runtime,
        "gates": [{"name": g.name, "command": g.command, "timeout": g.timeout}
                  for g in settings.gates],
        "max_polecats": settings.max_polecats,
    }  # fmt: skip
