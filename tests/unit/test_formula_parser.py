"""Parsing formula files: the real samples, both formats, and errors placed at PATH:LINE."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gastown_tui.core.formula_model import Formula, FormulaError, FormulaType
from gastown_tui.core.formula_parser import parse_formula

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "formula-samples"
SAMPLE_FILES = sorted(path.name for path in SAMPLES.iterdir() if ".formula." in path.name)


def parse(text: str, path: str = "flow.formula.toml") -> Formula:
    return parse_formula(textwrap.dedent(text), path)


def error_of(text: str, path: str = "flow.formula.toml") -> str:
    with pytest.raises(FormulaError) as caught:
        parse(text, path)
    return str(caught.value)


# name, type, version, steps, first step id and its line, last step id, variables
SAMPLE_FACTS = {
    "steveyegge__beads__beads-release.formula.toml": (
        "beads-release", "workflow", 1, 31, ("preflight-worktree", 63), "release-complete",
        ["version"],
    ),
    "steveyegge__beads__beads-release@2026-01-01.formula.json": (
        "beads-release", "workflow", 1, 18, ("preflight-git", 14), "release-complete",
        ["version"],
    ),
    "steveyegge__beads__quick-check.formula.toml": (
        "quick-check", "workflow", 1, 4, ("lint", 7), "report", [],
    ),
    "steveyegge__gastown__mol-polecat-work.formula.toml": (
        "mol-polecat-work", "workflow", 10, 8, ("load-context", 58), "submit-and-exit",
        ["issue", "base_branch", "setup_command", "typecheck_command", "test_command",
         "lint_command", "build_command"],
    ),
    "steveyegge__gastown__shiny.formula.toml": (
        "shiny", "workflow", 1, 5, ("design", 9), "submit", ["assignee", "feature"],
    ),
    "steveyegge__gastown__towers-of-hanoi.formula.toml": (
        "towers-of-hanoi", "workflow", 2, 9, ("setup", 55), "verify",
        ["source_peg", "target_peg", "auxiliary_peg"],
    ),
}  # fmt: skip


def test_every_sample_has_expectations() -> None:
    assert sorted(SAMPLE_FACTS) == SAMPLE_FILES


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_sample_parses(name: str) -> None:
    path = SAMPLES / name
    formula = parse_formula(path.read_text(encoding="utf-8"), str(path))
    title, kind, version, count, (first_id, first_line), last_id, var_names = SAMPLE_FACTS[name]
    assert formula.name == title
    assert formula.type == kind
    assert formula.version == version
    assert formula.source == str(path)
    assert len(formula.steps) == count
    assert (formula.steps[0].id, formula.steps[0].line) == (first_id, first_line)
    assert formula.steps[-1].id == last_id
    assert [var.name for var in formula.vars] == var_names
    # The line recorded for every step really holds that step's id.
    lines = path.read_text(encoding="utf-8").splitlines()
    for step in formula.steps:
        assert f'"{step.id}"' in lines[step.line - 1]
        assert step.source == str(path)
        assert step.title


def test_release_sample_details() -> None:
    path = SAMPLES / "steveyegge__beads__beads-release.formula.toml"
    formula = parse_formula(path.read_text(encoding="utf-8"), str(path))
    await_ci = next(step for step in formula.steps if step.id == "await-ci")
    assert await_ci.gate is not None
    assert (await_ci.gate.type, await_ci.gate.id, await_ci.gate.timeout) == (
        "gh:run",
        "release.yml",
        "30m",
    )
    assert await_ci.needs == ("push-tag",)
    assert (formula.phase, formula.pour) == ("vapor", True)
    version = formula.var("version")
    assert version is not None
    assert (version.required, version.line, version.default) == (True, 54, None)
    assert formula.key_lines["type"] == 49


def test_json_sample_lines_and_needs() -> None:
    path = SAMPLES / "steveyegge__beads__beads-release@2026-01-01.formula.json"
    formula = parse_formula(path.read_text(encoding="utf-8"), str(path))
    install = next(step for step in formula.steps if step.id == "local-install")
    assert install.needs == ("verify-npm", "verify-pypi")
    assert install.line == 103
    version = formula.var("version")
    # The line of the key that opens the variable's object.
    assert version is not None and version.line == 7 and version.required


def test_polecat_sample_defaults() -> None:
    path = SAMPLES / "steveyegge__gastown__mol-polecat-work.formula.toml"
    formula = parse_formula(path.read_text(encoding="utf-8"), str(path))
    assert formula.type_declared is False
    defaults = {var.name: var.default for var in formula.vars}
    assert defaults["base_branch"] == "main"
    assert defaults["test_command"] == ""
    assert defaults["issue"] is None


def test_toml_syntax_error_is_placed_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.formula.toml"
    path.write_text('formula = "broken"\n\n[[steps]]\nid = "a"\ntitle = \n', encoding="utf-8")
    with pytest.raises(FormulaError) as caught:
        parse_formula(path.read_text(encoding="utf-8"), str(path))
    assert str(caught.value) == f"{path}:5: invalid TOML: Invalid value (column 9)"
    assert caught.value.line == 5
    assert caught.value.path == str(path)


def test_toml_error_at_end_of_document() -> None:
    message = error_of('formula = "x"\ndescription = """never closed\n')
    assert message == "flow.formula.toml:2: invalid TOML: Unterminated string (end of document)"


def test_json_syntax_error_is_placed_at_its_line() -> None:
    text = '{\n  "formula": "x",\n  "steps": [\n    {"id": "a",}\n  ]\n}\n'
    message = error_of(text, "old.formula.json")
    assert message.startswith("old.formula.json:4: invalid JSON: ")


def test_json_root_must_be_an_object() -> None:
    assert error_of("[1, 2]", "list.formula.json") == (
        "list.formula.json:1: a JSON formula must be an object"
    )


def test_unknown_type_points_at_the_type_key() -> None:
    message = error_of("""\
        formula = "x"

        type = "ritual"
        """)
    assert message == "flow.formula.toml:3: unknown formula type 'ritual'"


def test_step_without_id_points_at_its_table() -> None:
    message = error_of("""\
        formula = "x"
        [[steps]]
        id = "a"
        [[steps]]
        title = "no id"
        """)
    assert message == "flow.formula.toml:4: a step needs an 'id' string"


def test_bad_priority_points_at_the_priority_key() -> None:
    message = error_of("""\
        formula = "x"
        [[steps]]
        id = "a"
        priority = "high"
        """)
    assert message == "flow.formula.toml:4: step 'a': 'priority' must be an integer"


def test_needs_must_be_strings() -> None:
    message = error_of("""\
        formula = "x"
        [[steps]]
        id = "a"
        needs = [1]
        """)
    assert message == "flow.formula.toml:4: 'needs' must be a list of strings"


def test_step_fields_and_unknown_keys_are_kept() -> None:
    formula = parse("""\
        formula = "full"
        owner = "ops"

        [vars.env]
        description = "Where"
        enum = ["dev", "prod"]
        pattern = "[a-z]+"
        secret = true

        [[steps]]
        id = "deploy"
        title = "Deploy to {{env}}"
        description = "Ship it"
        acceptance = "Green"
        type = "chore"
        priority = 1
        labels = ["ops", "release"]
        assignee = "{{who}}"
        needs = ["build"]
        depends_on = ["test"]
        condition = "{{env}} == prod"
        notes = "kept"

        [steps.loop]
        range = "1..{{n}}"
        var = "round"
        """)
    step = formula.steps[0]
    assert step.title == "Deploy to {{env}}"
    assert step.needs == ("build", "test")
    assert (step.type, step.priority, step.labels) == ("chore", 1, ("ops", "release"))
    assert (step.acceptance, step.assignee, step.condition) == (
        "Green",
        "{{who}}",
        "{{env}} == prod",
    )
    assert step.loop is not None
    assert (step.loop.range, step.loop.var, step.loop.count) == ("1..{{n}}", "round", None)
    assert step.extra == {"notes": "kept"}
    assert step.line == 11
    env = formula.var("env")
    assert env is not None
    assert (env.enum, env.pattern, env.line) == (("dev", "prod"), "[a-z]+", 4)
    assert env.extra == {"secret": True}
    assert formula.extra == {"owner": "ops"}


def test_title_defaults_to_id_and_type_to_task() -> None:
    step = parse('formula = "x"\n[[steps]]\nid = "only"\n').steps[0]
    assert (step.title, step.type, step.needs) == ("only", "task", ())


def test_var_shorthand_and_inline_tables() -> None:
    formula = parse("""\
        formula = "x"
        [vars]
        base = "main"
        retries = 3
        strict = true
        mode = { default = "fast", enum = ["fast", "slow"] }
        """)
    values = {var.name: (var.default, var.line) for var in formula.vars}
    assert values == {
        "base": ("main", 3),
        "retries": ("3", 4),
        "strict": ("true", 5),
        "mode": ("fast", 6),
    }
    mode = formula.var("mode")
    assert mode is not None and mode.enum == ("fast", "slow")


def test_children_lines_inside_array_tables() -> None:
    formula = parse("""\
        formula = "x"

        [[steps]]
        id = "phase"

        [[steps.children]]
        id = "one"

        [[steps.children]]
        id = "two"
        needs = ["one"]

        [[steps]]
        id = "after"

        [[steps.children]]
        id = "one"
        """)
    first, second = formula.steps
    assert [(child.id, child.line) for child in first.children] == [("one", 7), ("two", 10)]
    assert [(child.id, child.line) for child in second.children] == [("one", 17)]
    assert second.line == 14


def test_multiline_strings_do_not_fool_the_line_scanner() -> None:
    formula = parse('''\
        formula = "x"

        [[steps]]
        description = """
        [[steps]]
        id = "fake"
        """
        id = "real"

        [[steps]]
        description = \'\'\'id = "also-fake"\'\'\'
        id = "second"
        ''')
    assert [(step.id, step.line) for step in formula.steps] == [("real", 8), ("second", 12)]


def test_multiline_arrays_do_not_fool_the_line_scanner() -> None:
    formula = parse("""\
        formula = "x"

        [[steps]]
        matrix = [
          ["a", "b"],
          ["other"],
        ]
        id = "first"
        labels = [
          "one",
          '''two
        [[steps]]
        id = "fake"''',
        ]

        [[steps]]
        id = "second"
        """)
    assert [(step.id, step.line) for step in formula.steps] == [("first", 8), ("second", 17)]
    assert formula.steps[0].extra == {"matrix": [["a", "b"], ["other"]]}


def test_type_is_inferred_from_content() -> None:
    convoy = parse('formula = "c"\n[[legs]]\nid = "a"\n')
    expansion = parse('formula = "e"\n[[template]]\nid = "{target}.x"\n')
    aspect = parse('formula = "a"\n[[advice]]\ntarget = "x"\n')
    workflow = parse('formula = "w"\n[[steps]]\nid = "a"\n')
    assert [f.type for f in (convoy, expansion, aspect, workflow)] == [
        FormulaType.CONVOY,
        FormulaType.EXPANSION,
        FormulaType.ASPECT,
        FormulaType.WORKFLOW,
    ]
    assert not workflow.type_declared


def test_convoy_parts() -> None:
    formula = parse("""\
        formula = "review"
        type = "convoy"

        [inputs.pr]
        description = "PR number"
        required = true
        required_unless = ["branch"]

        [[legs]]
        id = "correctness"
        title = "Correctness"
        focus = "Logic errors"
        agent = "claude"

        [[legs]]
        id = "style"
        focus = "Naming"

        [synthesis]
        title = "Summary"
        depends_on = ["correctness"]
        """)
    assert [(leg.id, leg.title, leg.line) for leg in formula.legs] == [
        ("correctness", "Correctness", 10),
        ("style", "style", 16),
    ]
    assert formula.legs[0].agent == "claude"
    assert formula.synthesis is not None
    assert (formula.synthesis.id, formula.synthesis.depends_on) == ("synthesis", ("correctness",))
    pr = formula.var("pr")
    assert pr is not None and pr.required_unless == ("branch",) and pr.line == 4


def test_composition_parts() -> None:
    formula = parse("""\
        formula = "enterprise"
        extends = ["shiny"]

        [compose]
        aspects = ["audit"]

        [[compose.expand]]
        target = "implement"
        with = "five"
        vars = { rounds = 5 }
        """)
    assert formula.extends == ("shiny",)
    assert formula.aspects == ("audit",)
    (request,) = formula.expand
    assert (request.target, request.formula, dict(request.vars), request.line) == (
        "implement",
        "five",
        {"rounds": "5"},
        8,
    )
    assert formula.line_of("extends") == 2
    assert formula.line_of("compose.aspects") == 5


def test_advice_parts() -> None:
    formula = parse("""\
        formula = "audit"
        type = "aspect"

        [[advice]]
        target = "impl*"

        [[advice.around.before]]
        id = "{step.id}-prescan"

        [[advice.around.after]]
        id = "{step.id}-postscan"

        [[advice.after]]
        id = "notify"

        [[pointcuts]]
        glob = "deploy"
        """)
    (advice,) = formula.advice
    assert advice.targets == ("impl*",)
    assert [step.id for step in advice.before] == ["{step.id}-prescan"]
    assert [step.id for step in advice.after] == ["{step.id}-postscan", "notify"]
    assert advice.before[0].line == 8
    assert formula.pointcuts == ("deploy",)


def test_name_defaults_to_the_file_name() -> None:
    formula = parse('[[steps]]\nid = "a"\n', "/x/y/my-flow.formula.toml")
    assert formula.name == "my-flow"


def test_json_children_lines() -> None:
    text = textwrap.dedent("""\
        {
          "formula": "j",
          "steps": [
            {"id": "outer",
             "children": [
               {"title": "t", "id": "inner"}
             ]},
            {"id": "next", "needs": ["outer"]}
          ]
        }
        """)
    formula = parse_formula(text, "j.formula.json")
    assert [(step.id, step.line) for step in formula.steps] == [("outer", 4), ("next", 8)]
    assert [(child.id, child.line) for child in formula.steps[0].children] == [("inner", 6)]
