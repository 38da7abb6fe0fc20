"""Formula text: decoding TOML or JSON, and the 1-based line of each table and key.

Syntax errors become `FormulaError`s at the line the decoder reports.

Neither tomllib nor json reports positions of what they parse, yet a cooking error found much
later must name the line of the offending step's `id`. So the text is scanned a second time,
lightly: for TOML, table headers and `key =` lines outside multi-line strings; for JSON, every
object key in document order. Places are named by a path of `(name, index)` pairs, the index
being the position in an array of tables (None for a plain table): the `id` of the second child
of the first step is `((("steps", 0), ("children", 1)), "id")` in both formats.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from gastown_tui.core.formula_model import FormulaError

TablePath: TypeAlias = tuple[tuple[str, int | None], ...]

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_ARRAY_HEADER = re.compile(r"^\[\[\s*(.+?)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\[\s*(.+?)\s*\]")
_BARE_OR_QUOTED = r"(?:[A-Za-z0-9_-]+|\"[^\"\\]*\"|'[^']*')"
_KEY = re.compile(rf"^({_BARE_OR_QUOTED}(?:\s*\.\s*{_BARE_OR_QUOTED})*)\s*=")
_DOTTED_PART = re.compile(_BARE_OR_QUOTED)


@dataclass
class SourceLines:
    """Lines of tables (array elements, objects) and of keys, found by scanning the text."""

    tables: dict[TablePath, int] = field(default_factory=dict)
    keys: dict[tuple[TablePath, str], int] = field(default_factory=dict)

    def line(self, path: TablePath, key: str | None = None, default: int = 1) -> int:
        """The line of `key` in the table at `path`, else of the table, else `default`."""
        if key is not None and (path, key) in self.keys:
            return self.keys[(path, key)]
        return self.tables.get(path, default)


def _dotted(text: str) -> list[str]:
    return [part.strip("\"'") for part in _DOTTED_PART.findall(text)]


def _closing(line: str, start: int, delimiter: str) -> int:
    """Index just after the multi-line string closing at or after `start`, or -1."""
    position = start
    while True:
        found = line.find(delimiter, position)
        if found < 0:
            return -1
        backslashes = len(line[:found]) - len(line[:found].rstrip("\\"))
        if delimiter == '"""' and backslashes % 2 == 1:
            position = found + 1
            continue
        end = found + 3
        # Up to two quotes may sit right before the delimiter as content: `""""` ends the string.
        while end < len(line) and line[end] == delimiter[0] and end - found < 5:
            end += 1
        return end


def _scan(line: str, start: int, depth: int) -> tuple[str | None, int]:
    """Follow a value from `start`: the multi-line string left open, and the bracket depth.

    Brackets count only outside strings, so a multi-line array (depth > 0 at the end of the
    line) is told apart from table headers on the lines that follow.
    """
    position = start
    while position < len(line):
        char = line[position]
        if char == "#":
            break
        if line.startswith('"""', position) or line.startswith("'''", position):
            delimiter = line[position : position + 3]
            end = _closing(line, position + 3, delimiter)
            if end < 0:
                return delimiter, depth
            position = end
            continue
        if char in "\"'":
            position += 1
            while position < len(line) and line[position] != char:
                position += 2 if char == '"' and line[position] == "\\" else 1
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(0, depth - 1)
        position += 1
    return None, depth


def _table_path(names: Sequence[str], counters: Mapping[tuple[str, ...], int]) -> TablePath:
    return tuple(
        (name, counters.get(tuple(names[: depth + 1]))) for depth, name in enumerate(names)
    )


def toml_lines(text: str) -> SourceLines:
    """Scan TOML text for the lines of its table headers and keys."""
    found = SourceLines()
    counters: dict[tuple[str, ...], int] = {}
    current: TablePath = ()
    open_string: str | None = None
    depth = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if open_string is not None:
            end = _closing(raw, 0, open_string)
            if end >= 0:
                open_string, depth = _scan(raw, end, depth)
            continue
        if depth > 0:
            open_string, depth = _scan(raw, 0, depth)
            continue
        line = raw.strip()
        array = _ARRAY_HEADER.match(line)
        if array:
            names = tuple(_dotted(array.group(1)))
            counters[names] = counters.get(names, -1) + 1
            for deeper in [key for key in counters if len(key) > len(names)]:
                if deeper[: len(names)] == names:
                    del counters[deeper]
            current = _table_path(names, counters)
            found.tables[current] = number
            continue
        table = _TABLE_HEADER.match(line)
        if table:
            current = _table_path(_dotted(table.group(1)), counters)
            found.tables.setdefault(current, number)
            continue
        key = _KEY.match(line)
        if key:
            parts = _dotted(key.group(1))
            path = current + tuple((part, None) for part in parts[:-1])
            found.keys.setdefault((path, parts[-1]), number)
        open_string, depth = _scan(line, key.end() if key else 0, 0)
    return found


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?|[^"]+', re.DOTALL)


def json_lines(text: str, data: Mapping[str, object]) -> SourceLines:
    """Match the object keys of JSON text, in document order, to the parsed `data`."""
    keys: list[tuple[str, int]] = []
    line = 1
    for token in _JSON_TOKEN.finditer(text):
        if token.group(1) is not None:
            keys.append((token.group(0)[1 : token.start(1) - token.start() - 1], line))
        line += token.group(0).count("\n")
    found = SourceLines()
    cursor = 0

    def walk(node: object, path: TablePath) -> None:
        nonlocal cursor
        if isinstance(node, Mapping):
            for name, value in node.items():
                # A key spelled with escapes, or repeated, may not match: search onwards.
                position = next(
                    (at for at in range(cursor, len(keys)) if keys[at][0] == name), None
                )
                if position is not None:
                    cursor = position + 1
                    found.keys.setdefault((path, name), keys[position][1])
                    found.tables.setdefault(path, keys[position][1])
                    if isinstance(value, Mapping):
                        found.tables.setdefault((*path, (name, None)), keys[position][1])
                if isinstance(value, Mapping):
                    walk(value, (*path, (name, None)))
                elif isinstance(value, list):
                    for index, item in enumerate(value):
                        walk(item, (*path, (name, index)))

    walk(data, ())
    return found


def decode(text: str, path: str) -> tuple[Mapping[str, Any], SourceLines]:
    """Decode formula text as JSON (`*.json`, or text that opens with `{`) or TOML."""
    is_json = path.endswith(".json") or (
        not path.endswith(".toml") and text.lstrip().startswith("{")
    )
    if is_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            reason = f"invalid JSON: {error.msg} (column {error.colno})"
            raise FormulaError(path, error.lineno, reason) from None
        if not isinstance(data, dict):
            raise FormulaError(path, 1, "a JSON formula must be an object")
        return data, json_lines(text, data)
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        if position:
            line, reason = int(position.group(1)), message[: position.start()]
            reason = f"{reason} (column {position.group(2)})"
        else:
            line, reason = max(1, len(text.splitlines())), message.replace("(at ", "(")
        raise FormulaError(path, line, f"invalid TOML: {reason}") from None
    return table, toml_lines(text)
