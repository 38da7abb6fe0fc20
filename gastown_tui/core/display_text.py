"""Making untrusted text safe to print: control characters become visible escapes.

Titles, descriptions and agent output may hold ANSI escapes, NUL or other control bytes.
Text output must show them, never emit them; `--json` stays byte-exact.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_AND_NEWLINES = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char == "\n":
        return "\\n"
    if char == "\t":
        return "\\t"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control character shown as an escape (`\\x1b`, `\\x00`, `\\n`).

    With `keep_newlines`, line feeds and tabs stay (multi-line bodies); a carriage return never
    does, since it would let text overwrite what was printed before it.
    """
    pattern = _CONTROL if keep_newlines else _CONTROL_AND_NEWLINES
    return pattern.sub(_escape, text)


def strip_control(text: str) -> str:
    """`text` with every control character removed (for sending to a terminal as keystrokes)."""
    return _CONTROL_AND_NEWLINES.sub("", text)
