"""What a store inside a town knows about the town's rigs: their id prefixes.

A bead created for a rig (`bd create --rig`) takes that rig's prefix, so it belongs to the rig
by its id as well as by `metadata.rig` (DESIGN §3). Outside a town there are no rigs to check.
"""

from __future__ import annotations

import tomllib
from pathlib import Path


class UnknownRigError(LookupError):
    """`--rig` names a rig this town does not have."""


def rig_prefix(beads_dir: Path, rig: str) -> str | None:
    """The prefix of `rig` when the store is a town's; None outside a town."""
    town = beads_dir.resolve().parent
    if not (town / "town.toml").is_file():
        return None
    path = town / "rigs" / rig / "rig.toml"
    if "/" in rig or rig in ("", ".", "..") or not path.is_file():
        raise UnknownRigError(f"no rig {rig!r} in the town at {town}")
    try:
        prefix = tomllib.loads(path.read_text(encoding="utf-8")).get("prefix")
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise UnknownRigError(f"{path}: {error}") from error
    return prefix if isinstance(prefix, str) and prefix else None
