"""rig.toml: one rig's source, prefix, default branch, gates, agent runtime and limits."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

from gastown_tui.core.ids import InvalidNameError, check_name
from gastown_tui.core.town_settings import SettingsError, table_of, toml_string

RUNTIMES = ("claude", "builtin", "sim")
GATE_NAMES = ("setup", "lint", "test")
DEFAULT_GATE_TIMEOUT = {"setup": 600, "lint": 300, "test": 1800}
# `{prompt}` becomes the first instruction, `{model}` the model; argv, never a shell string.
DEFAULT_CLAUDE_COMMAND = ("claude", "--dangerously-skip-permissions", "--model", "{model}",
                          "{prompt}")  # fmt: skip
DEFAULT_MODEL = "claude-sonnet-5-5"  # the current Sonnet (4-5 reached end of life 2026-11-30)


@dataclass(frozen=True)
class Gate:
    name: str
    command: str
    timeout: int


@dataclass(frozen=True)
class RigSettings:
    name: str
    source: str
    prefix: str
    default_branch: str = "main"
    runtime: str = "claude"
    model: str = DEFAULT_MODEL
    gates: tuple[Gate, ...] = ()
    max_polecats: int = 8
    name_theme: str = "mad-max"
    claude_command: tuple[str, ...] = DEFAULT_CLAUDE_COMMAND
    push_to_source: bool = False
    batch: int = 1
    parallel_probes: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


def check_runtime(value: str) -> str:
    if value not in RUNTIMES:
        raise SettingsError(f"runtime {value!r} must be one of {', '.join(RUNTIMES)}")
    return value


def _count(where: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise SettingsError(f"{where}: {key} must be a positive integer, not {value!r}")
    return value


def parse_rig_settings(text: str, where: str) -> RigSettings:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{where}: {error}") from error
    try:
        name = check_name("rig", str(data.get("name", "")))
        prefix = check_name("prefix", str(data.get("prefix", "")))
    except InvalidNameError as error:
        raise SettingsError(f"{where}: {error}") from error
    gates = []
    for gate_name, table in table_of(where, data, "gates").items():
        if not isinstance(table, dict) or not isinstance(table.get("command"), str):
            raise SettingsError(f"{where}: [gates.{gate_name}] needs a 'command' string")
        timeout = table.get("timeout", DEFAULT_GATE_TIMEOUT.get(gate_name, 1800))
        if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
            raise SettingsError(f"{where}: gates.{gate_name}.timeout must be a positive integer")
        gates.append(Gate(gate_name, table["command"], timeout))
    agent = table_of(where, data, "agent")
    queue = table_of(where, data, "merge_queue")
    command = agent.get("claude_command", list(DEFAULT_CLAUDE_COMMAND))
    if not isinstance(command, list) or not all(isinstance(part, str) for part in command):
        raise SettingsError(f"{where}: agent.claude_command must be a list of strings")
    try:
        runtime = check_runtime(str(agent.get("runtime", "claude")))
    except SettingsError as error:
        raise SettingsError(f"{where}: {error}") from error
    return RigSettings(
        name=name, source=str(data.get("source", "")), prefix=prefix,
        default_branch=str(data.get("default_branch", "main")), runtime=runtime,
        model=str(agent.get("model", DEFAULT_MODEL)), gates=tuple(gates),
        max_polecats=_count(where, "max_polecats", data.get("max_polecats", 8)),
        name_theme=str(data.get("name_theme", "mad-max")), claude_command=tuple(command),
        push_to_source=bool(queue.get("push_to_source", False)),
        batch=_count(where, "merge_queue.batch", queue.get("batch", 1)),
        parallel_probes=_count(where, "merge_queue.parallel_probes",
                               queue.get("parallel_probes", 1)),
        extra=data,
    )  # fmt: skip


def rig_toml_text(settings: RigSettings) -> str:
    lines = [
        "# One rig: a repository managed by the town.",
        f"name = {toml_string(settings.name)}",
        f"source = {toml_string(settings.source)}",
        f"prefix = {toml_string(settings.prefix)}",
        f"default_branch = {toml_string(settings.default_branch)}",
        f"max_polecats = {settings.max_polecats}",
        f"name_theme = {toml_string(settings.name_theme)}",
        "",
        "[agent]",
        f"runtime = {toml_string(settings.runtime)}",
        f"model = {toml_string(settings.model)}",
        "claude_command = [" + ", ".join(toml_string(p) for p in settings.claude_command) + "]",
        "",
        "[merge_queue]",
        "# Push each landed commit to the source repository as well as repo.git.",
        f"push_to_source = {'true' if settings.push_to_source else 'false'}",
        "# Stack up to this many MRs and run the gates once on the tip (1 = one at a time).",
        f"batch = {settings.batch}",
        "# When a batch's tip is red: how many gate runs may go at once to retry it and find the",
        "# culprit (the retry and every prefix together when >= batch; 1 = one after another).",
        f"parallel_probes = {settings.parallel_probes}",
    ]
    for gate in settings.gates:
        lines += ["", f"[gates.{gate.name}]", f"command = {toml_string(gate.command)}",
                  f"timeout = {gate.timeout}"]  # fmt: skip
    return "\n".join(lines) + "\n"
