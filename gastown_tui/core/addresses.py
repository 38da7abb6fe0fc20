"""Agent addresses (DESIGN §1): who acts, who receives mail, whose hook a bead is on.

`mayor`, `deacon`, `overseer` (the human), `<rig>/witness`, `<rig>/refinery`,
`<rig>/polecats/<name>`, `<rig>/crew/<name>`. Every event carries one as its actor.
"""

from __future__ import annotations

from dataclasses import dataclass

from gastown_tui.core.ids import InvalidNameError, check_name

TOWN_ROLES = ("mayor", "deacon", "overseer")
RIG_ROLES = ("witness", "refinery")
WORKER_KINDS = {"polecats": "polecat", "crew": "crew"}


class AddressError(ValueError):
    """Text that is not an agent address, with the reason."""


@dataclass(frozen=True)
class Address:
    """A parsed address: `role` is mayor, deacon, overseer, witness, refinery, polecat or crew."""

    role: str
    rig: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        if self.rig is None:
            return self.role
        if self.name is None:
            return f"{self.rig}/{self.role}"
        kind = "polecats" if self.role == "polecat" else "crew"
        return f"{self.rig}/{kind}/{self.name}"

    @property
    def is_worker(self) -> bool:
        return self.role in ("polecat", "crew")


def polecat_address(rig: str, name: str) -> str:
    return f"{rig}/polecats/{name}"


def crew_address(rig: str, name: str) -> str:
    return f"{rig}/crew/{name}"


def parse_address(text: str) -> Address:
    """`text` as an Address, or AddressError saying what is wrong with it."""
    cleaned = text.strip().rstrip("/")
    parts = cleaned.split("/")
    try:
        if len(parts) == 1 and parts[0] in TOWN_ROLES:
            return Address(parts[0])
        if len(parts) == 2 and parts[1] in RIG_ROLES:
            return Address(parts[1], check_name("rig", parts[0]))
        if len(parts) == 3 and parts[1] in WORKER_KINDS:
            rig = check_name("rig", parts[0])
            return Address(WORKER_KINDS[parts[1]], rig, check_name(parts[1].rstrip("s"), parts[2]))
    except InvalidNameError as error:
        raise AddressError(f"address {text!r}: {error}") from error
    raise AddressError(
        f"{text!r} is not an address: use mayor, deacon, overseer, <rig>/witness, "
        "<rig>/refinery, <rig>/polecats/<name> or <rig>/crew/<name>"
    )
