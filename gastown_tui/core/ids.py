"""Identifiers: event ULIDs, hash-based bead ids, and the rules for names.

Bead ids are `<prefix>-<base36 hash>`: hashes, unlike sequential numbers, never collide
between clones that create beads independently. Molecules and wisps get an infix
(`<prefix>-mol-<hash>`, `<prefix>-wisp-<hash>`).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
TOWN_PREFIX = "hq"
MIN_HASH_LENGTH = 4
MAX_HASH_LENGTH = 12


class InvalidNameError(ValueError):
    """A rig, polecat, crew name or prefix that breaks the naming rule; the message says why."""


# Two Crockford characters for every 10-bit value: a ULID is 13 table look-ups.
_PAIRS = tuple(_CROCKFORD[high] + _CROCKFORD[low] for high in range(32) for low in range(32))


def new_ulid(moment: datetime, rng: random.Random) -> str:
    """A ULID: 48 bits of milliseconds since the epoch, then 80 random bits, in Crockford base32.

    After two leading zero bits the 128 bits are 26 characters of 5 bits, so 13 pairs of 10:
    5 pairs of time, 8 of randomness.
    """
    millis = int(moment.timestamp() * 1000)
    pairs = _PAIRS
    high, low = rng.getrandbits(40), rng.getrandbits(40)
    return (
        _time_part(millis)
        + pairs[high >> 30] + pairs[(high >> 20) & 1023] + pairs[(high >> 10) & 1023]
        + pairs[high & 1023] + pairs[low >> 30] + pairs[(low >> 20) & 1023]
        + pairs[(low >> 10) & 1023] + pairs[low & 1023]
    )  # fmt: skip


@lru_cache(maxsize=64)
def _time_part(millis: int) -> str:
    return "".join([_PAIRS[(millis >> shift) & 1023] for shift in range(40, -1, -10)])


def _base36(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rest = divmod(number, 36)
        digits.append(_BASE36[rest])
    return "".join(reversed(digits)) or "0"


def new_bead_id(
    prefix: str,
    seed: str,
    rng: random.Random,
    exists: Callable[[str], bool],
    infix: str = "",
) -> str:
    """A fresh `<prefix>-[<infix>-]<hash>` id not yet used, as short as collisions allow."""
    head = f"{prefix}-{infix}-" if infix else f"{prefix}-"
    for length in range(MIN_HASH_LENGTH, MAX_HASH_LENGTH + 1):
        for _ in range(10):
            nonce = rng.getrandbits(64)
            digest = hashlib.sha256(f"{seed}|{nonce}".encode("utf-8", "surrogatepass")).digest()
            candidate = head + _base36(digest)[:length]
            if not exists(candidate):
                return candidate
    raise RuntimeError(f"could not find a free id with prefix {prefix!r}")


def check_name(kind: str, name: str, *, allow_town_prefix: bool = False) -> str:
    """`name` if it is a valid rig, polecat or crew name or prefix; else raise saying why."""
    if not name:
        raise InvalidNameError(f"{kind} name is empty")
    if len(name) > 32:
        raise InvalidNameError(f"{kind} name {name!r} is {len(name)} characters; at most 32")
    if not NAME_PATTERN.match(name):
        raise InvalidNameError(
            f"{kind} name {name!r} is not allowed: use a lowercase letter first, then lowercase "
            "letters, digits, '-' or '_' (no '/', '..', ':', spaces or capitals)"
        )
    if name == TOWN_PREFIX and not allow_town_prefix:
        raise InvalidNameError(f"{kind} name {name!r} is reserved for the town itself")
    return name


def id_prefix(bead_id: str) -> str:
    """The prefix of a bead id: everything before the last `-` that precedes a hash or number.

    `gt-a1b2` → `gt`; `gt-mol-x9z` → `gt`; `molting-cli-357.1` → `molting-cli`.
    """
    stem = bead_id.split(".", 1)[0] if "." in bead_id else bead_id
    head, _, tail = stem.rpartition("-")
    if not head:
        return stem
    if head.endswith(("-mol", "-wisp")):
        return head[: head.rindex("-")]
    return head if tail else stem


_BRANCH_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def branch_safe(bead_id: str) -> str:
    """`bead_id` reduced to `[A-Za-z0-9._-]`, plus a short hash when anything had to change."""
    cleaned = _BRANCH_UNSAFE.sub("-", bead_id).strip(".-") or "bead"
    cleaned = re.sub(r"\.\.+", ".", cleaned)
    if cleaned == bead_id:
        return cleaned
    digest = hashlib.sha256(bead_id.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    return f"{cleaned}-{digest}"
