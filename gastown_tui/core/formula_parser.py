"""Parse formula files: TOML (`*.formula.toml`) and the older JSON (`*.formula.json`).

Both formats share one schema (research/beads-format.md §7.2, gastown-reference.md §8.3), so
the text is decoded into plain data first and then read into the frozen dataclasses of
`formula_model`. Keys the schema does not name are kept in `extra`; values of the wrong shape
are refused with `PATH:LINE: reason`. Nothing here resolves `extends` or `compose`: that is
cooking's job, since it needs other formulas.

It is over 300 lines because every schema field gets its own checked reader with a
`PATH:LINE` error; they share helpers that would otherwise be exported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gastown_tui.core.formula_model import (
    Advice,
    ComposeExpand,
    Formula,
    FormulaError,
    FormulaType,
    Gate,
    Leg,
    Loop,
    Step,
    Synthesis,
    VarDef,
)
from gastown_tui.core.formula_text import SourceLines, TablePath, decode

_SYNTHESIS: TablePath = (("synthesis", None),)
_STEP_KEYS = {
    "id", "title", "description", "needs", "depends_on", "acceptance", "type", "priority",
    "labels", "assignee", "gate", "loop", "condition", "children", "expand",
}  # fmt: skip
_FORMULA_KEYS = {
    "formula", "name", "type", "version", "description", "phase", "pour", "agent", "extends",
    "vars", "inputs", "steps", "template", "legs", "synthesis", "advice", "pointcuts", "compose",
}  # fmt: skip


class _Reader:
    """Reads decoded data into dataclasses, knowing the file and the lines of its tables."""

    def __init__(self, path: str, lines: SourceLines) -> None:
        self.path = path
        self.lines = lines

    def fail(self, where: TablePath, key: str | None, reason: str) -> FormulaError:
        return FormulaError(self.path, self.lines.line(where, key), reason)

    def text(self, table: Mapping[str, Any], key: str, where: TablePath) -> str:
        value = table.get(key, "")
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return "\n".join(value)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(where, key, f"'{key}' must be a string")
        return str(value)

    def names(self, table: Mapping[str, Any], key: str, where: TablePath) -> tuple[str, ...]:
        value = table.get(key, ())
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self.fail(where, key, f"'{key}' must be a list of strings")
        return tuple(value)

    def values(self, table: Mapping[str, Any], key: str, where: TablePath) -> list[object]:
        value = table.get(key, [])
        if not isinstance(value, list):
            raise self.fail(where, key, f"'{key}' must be a list")
        return value

    def table(self, value: object, where: TablePath, what: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, None, f"{what} must be a table")
        return value

    def entries(
        self, owner: Mapping[str, Any], key: str, where: TablePath
    ) -> list[tuple[Mapping[str, Any], TablePath]]:
        """The tables in `owner[key]` (one table or a list of them) with their paths."""
        value = owner.get(key, [])
        if isinstance(value, Mapping):
            return [(value, (*where, (key, None)))]
        if not isinstance(value, list):
            raise self.fail(where, key, f"'{key}' must be a list of tables")
        found = []
        for index, item in enumerate(value):
            path = (*where, (key, index))
            found.append((self.table(item, path, f"each entry of '{key}'"), path))
        return found

    def steps(self, owner: Mapping[str, Any], key: str, where: TablePath) -> tuple[Step, ...]:
        return tuple(self.step(item, path) for item, path in self.entries(owner, key, where))

    def step(self, table: Mapping[str, Any], where: TablePath) -> Step:
        step_id = table.get("id")
        if not isinstance(step_id, str) or not step_id:
            raise self.fail(where, "id", "a step needs an 'id' string")
        priority = table.get("priority")
        if priority is not None and (isinstance(priority, bool) or not isinstance(priority, int)):
            raise self.fail(where, "priority", f"step '{step_id}': 'priority' must be an integer")
        gate = table.get("gate")
        loop = table.get("loop")
        return Step(
            id=step_id,
            title=self.text(table, "title", where) or step_id,
            description=self.text(table, "description", where),
            needs=self.names(table, "needs", where) + self.names(table, "depends_on", where),
            acceptance=self.text(table, "acceptance", where),
            type=self.text(table, "type", where) or "task",
            priority=priority,
            labels=self.names(table, "labels", where),
            assignee=self.text(table, "assignee", where),
            gate=None if gate is None else self.gate(gate, (*where, ("gate", None))),
            loop=None if loop is None else self.loop(loop, (*where, ("loop", None))),
            condition=self.text(table, "condition", where),
            children=self.steps(table, "children", where),
            expand=self.text(table, "expand", where),
            source=self.path,
            line=self.lines.line(where, "id"),
            extra={key: value for key, value in table.items() if key not in _STEP_KEYS},
        )

    def gate(self, value: object, where: TablePath) -> Gate:
        table = self.table(value, where, "'gate'")
        known = {"type", "id", "await_id", "timeout"}
        return Gate(
            type=self.text(table, "type", where),
            id=self.text(table, "id", where) or self.text(table, "await_id", where),
            timeout=self.text(table, "timeout", where),
            extra={key: item for key, item in table.items() if key not in known},
        )

    def loop(self, value: object, where: TablePath) -> Loop:
        table = self.table(value, where, "'loop'")
        count = table.get("count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int | str)):
            raise self.fail(where, "count", "loop 'count' must be an integer")
        maximum = table.get("max")
        if maximum is not None and (isinstance(maximum, bool) or not isinstance(maximum, int)):
            raise self.fail(where, "max", "loop 'max' must be an integer")
        return Loop(
            count=count,
            range=self.text(table, "range", where),
            var=self.text(table, "var", where) or "i",
            until=self.text(table, "until", where),
            max=maximum,
            body=self.steps(table, "body", where),
        )

    def var(self, name: str, value: object, where: TablePath, owner: TablePath) -> VarDef:
        line = self.lines.line(where, None, self.lines.line(owner, name))
        if not isinstance(value, Mapping):
            # Shorthand: `name = "default"`.
            return VarDef(name=name, default=_scalar(value), source=self.path, line=line)
        pattern = value.get("pattern")
        if pattern is not None and not isinstance(pattern, str):
            raise self.fail(where, "pattern", f"variable '{name}': 'pattern' must be a string")
        known = {"description", "default", "required", "enum", "pattern", "required_unless"}
        default = value.get("default")
        return VarDef(
            name=name,
            description=self.text(value, "description", where),
            default=None if default is None else _scalar(default),
            required=bool(value.get("required", False)),
            enum=tuple(_scalar(item) for item in self.values(value, "enum", where)),
            pattern=pattern,
            required_unless=self.names(value, "required_unless", where),
            source=self.path,
            line=line,
            extra={key: item for key, item in value.items() if key not in known},
        )

    def leg(self, table: Mapping[str, Any], where: TablePath) -> Leg:
        leg_id = table.get("id")
        if not isinstance(leg_id, str) or not leg_id:
            raise self.fail(where, "id", "a convoy leg needs an 'id' string")
        known = {"id", "title", "focus", "description", "agent"}
        return Leg(
            id=leg_id,
            title=self.text(table, "title", where) or leg_id,
            focus=self.text(table, "focus", where),
            description=self.text(table, "description", where),
            agent=self.text(table, "agent", where),
            source=self.path,
            line=self.lines.line(where, "id"),
            extra={key: item for key, item in table.items() if key not in known},
        )

    def synthesis(self, value: object, where: TablePath) -> Synthesis:
        table = self.table(value, where, "'synthesis'")
        known = {"id", "title", "description", "depends_on", "needs"}
        return Synthesis(
            id=self.text(table, "id", where) or "synthesis",
            title=self.text(table, "title", where) or "Synthesis",
            description=self.text(table, "description", where),
            depends_on=self.names(table, "depends_on", where) + self.names(table, "needs", where),
            source=self.path,
            line=self.lines.line(where, "id"),
            extra={key: item for key, item in table.items() if key not in known},
        )

    def advice(self, table: Mapping[str, Any], where: TablePath) -> Advice:
        around_path = (*where, ("around", None))
        around = self.table(table.get("around", {}), around_path, "'around'")
        return Advice(
            targets=self.names(table, "target", where),
            before=self.steps(around, "before", around_path) + self.steps(table, "before", where),
            after=self.steps(around, "after", around_path) + self.steps(table, "after", where),
            source=self.path,
            line=self.lines.line(where, "target"),
        )

    def expand(self, table: Mapping[str, Any], where: TablePath) -> ComposeExpand:
        target = self.text(table, "target", where)
        formula = self.text(table, "with", where) or self.text(table, "formula", where)
        if not target or not formula:
            raise self.fail(where, None, "compose.expand needs 'target' and 'with'")
        values = table.get("vars", {})
        if not isinstance(values, Mapping):
            raise self.fail(where, "vars", "compose.expand 'vars' must be a table")
        vars_ = {str(key): _scalar(item) for key, item in values.items()}
        return ComposeExpand(target, formula, vars_, self.lines.line(where, "target"))


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _key_lines(lines: SourceLines) -> dict[str, int]:
    """Lines of keys and tables outside arrays, by dotted name (`type`, `compose.aspects`)."""
    found: dict[str, int] = {}
    for where, line in lines.tables.items():
        if where and all(index is None for _, index in where):
            found.setdefault(".".join(name for name, _ in where), line)
    for (where, key), line in lines.keys.items():
        if all(index is None for _, index in where):
            found[".".join([*(name for name, _ in where), key])] = line
    return found


def _infer_type(data: Mapping[str, Any]) -> FormulaType:
    if data.get("legs"):
        return FormulaType.CONVOY
    if data.get("template") and not data.get("steps"):
        return FormulaType.EXPANSION
    if data.get("advice") and not data.get("steps"):
        return FormulaType.ASPECT
    return FormulaType.WORKFLOW


def _default_name(path: str) -> str:
    base = path.replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in (".formula.toml", ".formula.json", ".toml", ".json"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def parse_formula(text: str, path: str) -> Formula:
    """Parse one formula file's text; `path` names it in errors and picks the format."""
    data, lines = decode(text, path)
    reader = _Reader(path, lines)
    key_lines = _key_lines(lines)
    declared = data.get("type")
    if declared is None:
        kind = _infer_type(data)
    elif declared not in {member.value for member in FormulaType}:
        raise reader.fail((), "type", f"unknown formula type {declared!r}")
    else:
        kind = FormulaType(declared)
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int):
        raise reader.fail((), "version", "'version' must be an integer")
    vars_: dict[str, VarDef] = {}
    for section in ("inputs", "vars"):
        owner: TablePath = ((section, None),)
        table = reader.table(data.get(section, {}), owner, f"'{section}'")
        for name, value in table.items():
            vars_[name] = reader.var(name, value, (*owner, (name, None)), owner)
    compose_path: TablePath = (("compose", None),)
    compose = reader.table(data.get("compose", {}), compose_path, "'compose'")
    synthesis = data.get("synthesis")
    name = data.get("formula", data.get("name", _default_name(path)))
    return Formula(
        name=str(name),
        type=kind,
        source=path,
        version=version,
        description=reader.text(data, "description", ()),
        type_declared=declared is not None,
        phase=reader.text(data, "phase", ()),
        pour=bool(data.get("pour", False)),
        agent=reader.text(data, "agent", ()),
        extends=reader.names(data, "extends", ()),
        vars=tuple(vars_.values()),
        steps=reader.steps(data, "steps", ()),
        template=reader.steps(data, "template", ()),
        legs=tuple(reader.leg(item, where) for item, where in reader.entries(data, "legs", ())),
        synthesis=None if synthesis is None else reader.synthesis(synthesis, _SYNTHESIS),
        advice=tuple(
            reader.advice(item, where) for item, where in reader.entries(data, "advice", ())
        ),
        pointcuts=tuple(
            reader.text(item, "glob", where)
            for item, where in reader.entries(data, "pointcuts", ())
            if item.get("glob")
        ),
        expand=tuple(
            reader.expand(item, where)
            for item, where in reader.entries(compose, "expand", compose_path)
        ),
        aspects=reader.names(compose, "aspects", compose_path),
        key_lines=key_lines,
        extra={key: value for key, value in data.items() if key not in _FORMULA_KEYS},
    )
