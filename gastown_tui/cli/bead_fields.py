"""Parsing and checking field values given on the command line."""

from __future__ import annotations

import argparse
import re

from gastown_tui.store import json_codec


class FieldError(argparse.ArgumentTypeError):
    """A value on the command line that is not of its field's form (a usage error: exit 2)."""


_WORD = re.compile(r"^[a-z][a-z0-9_-]{0,49}$")
_BEAD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)+(?:\.[A-Za-z0-9_-]+)*$")


def priority(text: str) -> int:
    """`0`..`4` or `P0`..`P4`."""
    cleaned = text.strip().upper().removeprefix("P")
    if cleaned.isdigit() and 0 <= int(cleaned) <= 4:
        return int(cleaned)
    raise FieldError(f"priority {text!r} is not 0-4 (or P0-P4)")


def word(kind: str, text: str) -> str:
    """A status or type: lowercase, as bd's custom statuses and types allow."""
    if not _WORD.match(text):
        raise FieldError(
            f"{kind} {text!r} is not valid: lowercase letters, digits, '-' or '_', "
            "starting with a letter"
        )
    return text


def bead_id(text: str) -> str:
    """An id given to `bd create --id`: letters, digits, '-', '_', dotted child parts."""
    if not _BEAD_ID.match(text):
        raise FieldError(
            f"id {text!r} is not valid: use <prefix>-<suffix> with letters, digits, '-', '_' "
            "and '.' between parts (no '/', '..', ':' or spaces)"
        )
    return text


def labels(values: list[str] | None) -> list[str]:
    """Labels from repeatable, comma-separated options."""
    found: set[str] = set()
    for value in values or []:
        found.update(part.strip() for part in value.split(",") if part.strip())
    return sorted(found)


def dependency_specs(values: list[str] | None) -> list[tuple[str, str]]:
    """`--deps blocks:bd-1,discovered-from:bd-2,bd-3` → [(type, id)…] (type defaults to blocks)."""
    specs = []
    for value in values or []:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            dep_type, _, target = part.rpartition(":")
            specs.append((word("dependency type", dep_type) if dep_type else "blocks", target))
    return specs


def metadata_assignment(text: str) -> tuple[str, object]:
    """`key=value`; a value that is valid JSON is stored as that JSON value, else as a string."""
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise FieldError(f"metadata {text!r} must be key=value")
    try:
        value: object = json_codec.loads(raw)
    except ValueError:
        value = raw
    return key, value
