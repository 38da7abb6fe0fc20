"""Formulas and protomolecules as frozen data.

A formula is a work template (`*.formula.toml`, or the older `*.formula.json`): variables plus
steps that need one another. Four types exist: a *workflow* is a list of steps; a *convoy* is a
set of parallel legs joined by a synthesis step; an *expansion* is a template that replaces one
step of another formula (`compose.expand`); an *aspect* carries advice, steps inserted before or
after the steps it names. Cooking a formula gives a protomolecule: one flat, ordered list of
steps whose `needs` are step ids, ready to be poured as beads.

Every step, leg and variable remembers its source file and the 1-based line that defines it, so
errors found long after parsing (an unknown `needs`, a cycle, a bad variable value) still say
`PATH:LINE: reason`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class FormulaError(ValueError):
    """A formula that cannot be parsed or cooked; the message is `PATH:LINE: reason`.

    `FormulaError(message)` alone is for errors with no place in a file (a name that no search
    directory holds); cooking adds the line that referred to that name. Such errors have
    `line == 0`.
    """

    def __init__(self, path_or_message: str, line: int | None = None, reason: str = "") -> None:
        if line is None:
            super().__init__(path_or_message)
            self.path, self.line, self.reason = "", 0, path_or_message
        else:
            super().__init__(f"{path_or_message}:{line}: {reason}")
            self.path, self.line, self.reason = path_or_message, line, reason


class FormulaType(StrEnum):
    """The four kinds of formula."""

    WORKFLOW = "workflow"
    CONVOY = "convoy"
    EXPANSION = "expansion"
    ASPECT = "aspect"


@dataclass(frozen=True)
class VarDef:
    """A formula variable: `{{name}}` in steps is replaced by its value when cooked with vars."""

    name: str
    description: str = ""
    default: str | None = None
    required: bool = False
    enum: tuple[str, ...] = ()
    pattern: str | None = None
    # A convoy input that is required unless one of these other inputs is given.
    required_unless: tuple[str, ...] = ()
    source: str = ""
    line: int = 0
    extra: Mapping[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Gate:
    """An asynchronous wait on a step (`gh:run`, `timer`, ...), closed by something outside."""

    type: str
    id: str = ""
    timeout: str = ""
    extra: Mapping[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Loop:
    """Repetition of a step: `count` times, or over `range = "A..B"` (which may use `{{var}}`).

    `until` loops (with `max`) depend on runtime state, so cooking keeps them as one step.
    """

    count: int | str | None = None
    range: str = ""
    var: str = "i"
    until: str = ""
    max: int | None = None
    body: tuple[Step, ...] = ()


@dataclass(frozen=True)
class Step:
    """One step of a formula, as written (before cooking)."""

    id: str
    title: str = ""
    description: str = ""
    needs: tuple[str, ...] = ()
    acceptance: str = ""
    type: str = "task"
    priority: int | None = None
    labels: tuple[str, ...] = ()
    assignee: str = ""
    gate: Gate | None = None
    loop: Loop | None = None
    condition: str = ""
    children: tuple[Step, ...] = ()
    # The name of an expansion formula to apply to this step, like `compose.expand`.
    expand: str = ""
    source: str = ""
    line: int = 0
    extra: Mapping[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Leg:
    """One parallel line of work in a convoy formula (a review focus, an analysis angle)."""

    id: str
    title: str = ""
    focus: str = ""
    description: str = ""
    agent: str = ""
    source: str = ""
    line: int = 0
    extra: Mapping[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Synthesis:
    """The convoy step that joins the legs; `depends_on` empty means every leg."""

    id: str = "synthesis"
    title: str = "Synthesis"
    description: str = ""
    depends_on: tuple[str, ...] = ()
    source: str = ""
    line: int = 0
    extra: Mapping[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Advice:
    """Aspect advice: steps to insert before and after every step matching `targets` (globs)."""

    targets: tuple[str, ...]
    before: tuple[Step, ...] = ()
    after: tuple[Step, ...] = ()
    source: str = ""
    line: int = 0


@dataclass(frozen=True)
class ComposeExpand:
    """`[[compose.expand]]`: replace step `target` by the steps of expansion `formula`."""

    target: str
    formula: str
    vars: Mapping[str, str] = field(default_factory=dict, hash=False)
    line: int = 0


@dataclass(frozen=True)
class Formula:
    """A parsed formula file; `extends` and `compose` are resolved only when it is cooked."""

    name: str
    type: FormulaType
    source: str
    version: int = 1
    description: str = ""
    # False when the file has no `type` key and the type was inferred from its content.
    type_declared: bool = True
    phase: str = ""
    pour: bool = False
    agent: str = ""
    extends: tuple[str, ...] = ()
    vars: tuple[VarDef, ...] = ()
    steps: tuple[Step, ...] = ()
    template: tuple[Step, ...] = ()
    legs: tuple[Leg, ...] = ()
    synthesis: Synthesis | None = None
    advice: tuple[Advice, ...] = ()
    pointcuts: tuple[str, ...] = ()
    expand: tuple[ComposeExpand, ...] = ()
    aspects: tuple[str, ...] = ()
    # 1-based line of each top-level key (`formula`, `type`, `extends`, `compose`, ...).
    key_lines: Mapping[str, int] = field(default_factory=dict, hash=False)
    extra: Mapping[str, object] = field(default_factory=dict, hash=False)

    def var(self, name: str) -> VarDef | None:
        """The variable called `name`, if the formula defines it."""
        return next((var for var in self.vars if var.name == name), None)

    def line_of(self, key: str) -> int:
        """The line of a top-level key, or 1 when the key is absent."""
        return self.key_lines.get(key, 1)


@dataclass(frozen=True)
class CookedStep:
    """A step of a protomolecule: a full id (`parent.child`, `step.3`) and needs as step ids."""

    id: str
    title: str
    description: str = ""
    needs: tuple[str, ...] = ()
    acceptance: str = ""
    type: str = "task"
    priority: int | None = None
    labels: tuple[str, ...] = ()
    assignee: str = ""
    gate: Gate | None = None
    # The enclosing step when this one came from `children` (or a loop body).
    parent: str | None = None
    # Kept only when cooking could not decide: a condition or loop compiled without vars.
    condition: str = ""
    loop: Loop | None = None
    source: str = ""
    line: int = 0
    extra: Mapping[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Protomolecule:
    """A cooked formula: its steps flattened, in an order where every step follows its needs.

    `values` is None for a compile-only cook (placeholders kept), else the variable values used.
    """

    name: str
    type: FormulaType
    source: str
    version: int
    description: str
    phase: str
    pour: bool
    vars: tuple[VarDef, ...]
    values: Mapping[str, str] | None
    steps: tuple[CookedStep, ...]

    @property
    def step_ids(self) -> tuple[str, ...]:
        """The ids of the steps, in order."""
        return tuple(step.id for step in self.steps)

    def step(self, step_id: str) -> CookedStep:
        """The step with this id; KeyError if there is none."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)
