"""JSON in and out of the store: orjson on the hot path, the standard library as a fallback.

`go_encode` writes a record the way Go bd's `encoding/json` does: compact, struct field order,
`<`, `>`, `&`, U+2028 and U+2029 escaped, other non-ASCII raw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from gastown_tui.core.record import in_go_order

JSONDecodeError = orjson.JSONDecodeError

_GO_ESCAPES = (
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"&", b"\\u0026"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)


def loads(data: bytes | str) -> Any:
    """Parse JSON; accepts what orjson refuses but Python's parser takes (lone surrogates)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        import json  # only for what orjson refuses; keeps start-up light

        return json.loads(data)


def dumps(value: Any) -> bytes:
    """Compact JSON bytes with raw UTF-8 (orjson), or ASCII escapes where orjson cannot."""
    try:
        return orjson.dumps(value)
    except TypeError:
        import json

        return json.dumps(value, separators=(",", ":"), ensure_ascii=True).encode()


def dumps_pretty(value: Any) -> bytes:
    """Indented JSON for `--json` output, byte-exact for every string it carries."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2)
    except TypeError:
        import json

        return json.dumps(value, indent=2, ensure_ascii=True).encode()


def go_encode(record: Mapping[str, Any]) -> bytes:
    """One record as Go bd writes it (without the trailing newline)."""
    data = dumps(dict(in_go_order(record)))
    for raw, escaped in _GO_ESCAPES:
        if raw in data:
            data = data.replace(raw, escaped)
    return data
