"""RFC 3339 timestamps as beads writes them, and a sortable normal form.

Real beads files carry timestamps with 0-9 fractional digits and either `Z` or a `±hh:mm`
offset. Records keep the original strings; comparisons use `sort_key`, which maps any of them
to a fixed-width UTC string with microseconds, so SQL can order by plain text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|z|[+-]\d{2}:?\d{2})?$"
)


def format_ts(moment: datetime) -> str:
    """Format as RFC 3339 in UTC with exactly six fractional digits (`…T12:00:00.000001Z`)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(text: str) -> datetime | None:
    """Parse an RFC 3339 timestamp (or a bare date, meaning midnight UTC); None if it is not one.

    Fractions beyond microseconds are truncated; a missing offset means UTC.
    """
    match = _RFC3339.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro,
            tzinfo=_offset(offset),
        )
    except ValueError:
        return None
    return moment.astimezone(UTC)


def _offset(text: str | None) -> timezone:
    if text is None or text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def sort_key(value: object) -> str | None:
    """A fixed-width UTC form of a timestamp string for ordering; None if it is not one.

    Every imported record needs several of these, so the C parser (`fromisoformat`, which
    takes every RFC 3339 form beads writes) goes first and the strict parser only after it.
    """
    if not isinstance(value, str) or not value:
        return None
    if len(value) == 27 and value[-1] == "Z" and value[10] == "T" and value[19] == ".":
        return value  # already our own canonical form: skip parsing on the hot path
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        parsed = parse_ts(value)
        return format_ts(parsed) if parsed else None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    elif moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def to_micros(stamp: str) -> int:
    """Microseconds since the epoch of a timestamp (which must parse)."""
    moment = parse_ts(stamp)
    assert moment is not None, stamp
    return int((moment - _EPOCH).total_seconds()) * 1_000_000 + moment.microsecond


def from_micros(micros: int) -> str:
    """The canonical timestamp `micros` microseconds after the epoch."""
    seconds, fraction = divmod(micros, 1_000_000)
    whole = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{whole}.{fraction:06d}Z"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
