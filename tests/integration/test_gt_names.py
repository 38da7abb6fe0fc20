"""Names that break DESIGN §3's rule are refused, say why, and create nothing.

Rig, polecat and crew names and prefixes match `^[a-z][a-z0-9_-]{0,31}$`, and `hq` is the
town's own. Names go after `--` (or as `--opt=VALUE`) so it is the town's own check that
refuses them, not argparse.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from town_fixtures import CliResult, TownRunner

LONG = "a" * 40
# Each bad name and the words of the reason it is refused with.
BAD_NAMES = {
    "../evil": "is not allowed",
    "a:b": "is not allowed",
    "-x": "is not allowed",
    "Has Space": "is not allowed",
    "hq": "is reserved for the town itself",
    LONG: "is 40 characters; at most 32",
}


def snapshot(town: TownRunner) -> tuple[int, set[str], list[str]]:
    """Events, every path beside and inside the town, and tmux sessions."""
    base = town.root.parent
    paths = {str(p.relative_to(base)) for p in base.rglob("*")
             if not p.name.endswith(("-wal", "-shm"))}  # fmt: skip
    return len(town.events()), paths, town.sessions()


def check_refusals(
    town: TownRunner,
    command: Callable[[str], CliResult],
    kind: str,
    message: Callable[[str, str], str] | None = None,
) -> None:
    """Every bad name is refused with exit 1 and its reason; nothing changes in the town."""
    before = snapshot(town)
    for name, reason in BAD_NAMES.items():
        result = command(name)
        assert result.returncode == 1, (name, result.returncode, result.stderr)
        assert result.stdout == "" and "Traceback" not in result.stderr, result.stderr
        expected = message(name, reason) if message else f"{kind} name {name!r} {reason}"
        assert result.stderr.startswith("gt: ") and expected in result.stderr, result.stderr
    assert snapshot(town) == before


def test_rig_add_refuses_bad_names_and_prefixes(rig_town: TownRunner, tmp_path: Path) -> None:
    town = rig_town
    source = str(tmp_path / "source")
    check_refusals(town, lambda name: town.gt("rig", "add", "--", name, source, check=False),
                   "rig")  # fmt: skip
    check_refusals(
        town,
        lambda name: town.gt("rig", "add", "fine", source, f"--prefix={name}", check=False),
        "prefix",
    )
    assert not (town.root / "rigs" / "fine").exists()


def test_polecat_spawn_refuses_bad_names(rig_town: TownRunner) -> None:
    town = rig_town
    check_refusals(town, lambda name: town.gt("polecat", "spawn", "demo", f"--name={name}",
                                              check=False), "polecat")  # fmt: skip
    assert town.gt("polecat", "list", "--json").json() == []


def test_crew_add_refuses_bad_names(rig_town: TownRunner) -> None:
    town = rig_town
    check_refusals(town, lambda name: town.gt("crew", "add", "--", name, "demo", check=False),
                   "crew")  # fmt: skip
    before = snapshot(town)
    usage = town.gt("crew", "add", "-x", "demo", check=False)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
    assert "usage:" in usage.stderr and snapshot(town) == before


def test_sling_refuses_bad_polecat_names_and_targets(rig_town: TownRunner) -> None:
    town = rig_town
    bead = town.bd("create", "Never slung", "--rig", "demo", "--json").json()["id"]

    def message(name: str, reason: str) -> str:
        if "/" in name:  # demo/../evil has three parts: no rig/polecat shape at all
            return f"target 'demo/{name}': use <rig> or <rig>/<polecat>"
        return f"polecat name {name!r} {reason}"

    check_refusals(town, lambda name: town.gt("sling", bead, f"demo/{name}", check=False),
                   "polecat", message)  # fmt: skip
    before = snapshot(town)
    for target in ("demo/polecats/x/y", "../evil", "demo/crew/alice", "nowhere"):
        refusal = town.gt("sling", bead, target, check=False)
        assert refusal.returncode == 1 and "Traceback" not in refusal.stderr, refusal.stderr
    assert snapshot(town) == before
    assert town.bead(bead)["status"] == "open" and not town.sessions()
