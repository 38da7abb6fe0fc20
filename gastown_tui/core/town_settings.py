"""town.toml: the town's name, its threshold profiles, escalation routes and dispatch policy.

Parsed from text here (pure); `town/town_files.py` reads and writes the file. Thresholds live
under a profile (DESIGN §6): `default` for real fleets, `demo` in seconds, `test` sub-second.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

from gastown_tui.core.escalation_rules import DEFAULT_ROUTES, SEVERITIES, check_route


class SettingsError(ValueError):
    """A town.toml or rig.toml that cannot be used, with the file and the reason."""


@dataclass(frozen=True)
class Thresholds:
    """Supervision timings in seconds."""

    tick: float
    heartbeat_stale: float
    stalled: float
    gupp: float
    escalation_stale: float
    max_respawns: int = 3
    max_reescalations: int = 2
    max_reworks: int = 3  # REWORK_REQUESTs per bead; the next one blocks it for a human


PROFILES: dict[str, Thresholds] = {
    "default": Thresholds(tick=30, heartbeat_stale=180, stalled=900, gupp=1800,
                          escalation_stale=4 * 3600),
    "demo": Thresholds(tick=2, heartbeat_stale=10, stalled=20, gupp=40, escalation_stale=60),
    "test": Thresholds(tick=0.25, heartbeat_stale=2, stalled=3, gupp=6, escalation_stale=5),
}  # fmt: skip


NETWORK_TIMEOUT = 60.0


@dataclass(frozen=True)
class TownSettings:
    name: str
    profile: str = "default"
    profiles: dict[str, Thresholds] = field(default_factory=lambda: dict(PROFILES))
    routes: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_ROUTES))
    auto_dispatch: bool = False
    network_timeout: float = NETWORK_TIMEOUT  # seconds for every git call to another repository

    def thresholds(self, override: str | None = None) -> Thresholds:
        name = override or self.profile
        if name not in self.profiles:
            raise SettingsError(
                f"town.toml: no threshold profile {name!r} (have {', '.join(self.profiles)})"
            )
        return self.profiles[name]


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise SettingsError(f"{where}: must be a positive number, not {value!r}")
    return float(value)


def table_of(where: str, data: dict[str, Any], key: str) -> dict[str, Any]:
    """`data[key]` when it is a table (an absent one is empty); SettingsError otherwise."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise SettingsError(f"{where}: '{key}' must be a table, not {value!r}")
    return value


def parse_town_settings(text: str, where: str = "town.toml") -> TownSettings:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{where}: {error}") from error
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise SettingsError(f"{where}: 'name' is missing")
    profiles = dict(PROFILES)
    for profile_name in table_of(where, data, "profiles"):
        table = table_of(f"{where}: profiles", data["profiles"], profile_name)
        base = profiles.get(profile_name, PROFILES["default"])
        values = {**base.__dict__}
        for key, value in table.items():
            if key not in values:
                raise SettingsError(f"{where}: [profiles.{profile_name}] unknown key {key!r}")
            number = _number(f"{where}: profiles.{profile_name}.{key}", value)
            values[key] = int(number) if key.startswith("max_") else number
        profiles[profile_name] = Thresholds(**values)
    routes = dict(DEFAULT_ROUTES)
    escalation = table_of(where, data, "escalation")
    for severity, actions in table_of(f"{where}: escalation", escalation, "routes").items():
        if severity.upper() not in SEVERITIES or not isinstance(actions, list):
            raise SettingsError(f"{where}: escalation.routes.{severity} is not a severity's list")
        try:
            routes[severity.upper()] = check_route(severity.upper(), [str(a) for a in actions])
        except ValueError as error:
            raise SettingsError(f"{where}: {error}") from error
    profile = str(data.get("profile", "default"))
    if profile not in profiles:
        raise SettingsError(f"{where}: profile {profile!r} is not defined")
    dispatch = table_of(where, data, "dispatch")
    git = table_of(where, data, "git")
    for key in git:
        if key != "network_timeout":
            raise SettingsError(f"{where}: [git] unknown key {key!r} (have network_timeout)")
    timeout = _number(f"{where}: git.network_timeout", git.get("network_timeout", NETWORK_TIMEOUT))
    return TownSettings(name=name, profile=profile, profiles=profiles, routes=routes,
                        auto_dispatch=bool(dispatch.get("auto_dispatch", False)),
                        network_timeout=timeout)  # fmt: skip


def town_toml_text(name: str, profile: str = "default") -> str:
    """A new town.toml, with every profile spelled out so an operator can tune it."""
    lines = [
        "# Gas Town: one town. Thresholds are in seconds; pick a profile with `profile` or",
        "# the GT_PROFILE environment variable.",
        f"name = {toml_string(name)}",
        f"profile = {toml_string(profile)}",
        "",
        "[dispatch]",
        "# Sling ready work to idle polecats automatically (else the daemon only reports it).",
        "auto_dispatch = false",
        "",
        "[git]",
        "# Seconds before a git call to another repository (clone, fetch, push) is given up.",
        f"network_timeout = {NETWORK_TIMEOUT:g}",
    ]
    for profile_name, thresholds in PROFILES.items():
        lines += ["", f"[profiles.{profile_name}]"]
        lines += [f"{key} = {value:g}" for key, value in thresholds.__dict__.items()]
    lines += ["", "[escalation.routes]"]
    for severity, actions in DEFAULT_ROUTES.items():
        lines.append(f"{severity} = [{', '.join(toml_string(a) for a in actions)}]")
    return "\n".join(lines) + "\n"


def toml_string(value: str) -> str:
    """`value` as a TOML basic string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c >= " " and c != "\x7f" else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'
