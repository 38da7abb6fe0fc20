"""Cooking formulas into protomolecules: samples, every feature, every error at PATH:LINE."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from gastown_tui.core.formula_cook import apply_aspect, cook
from gastown_tui.core.formula_model import Formula, FormulaError, FormulaType, Protomolecule
from gastown_tui.core.formula_parser import parse_formula

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "formula-samples"
SAMPLE_FILES = sorted(path.name for path in SAMPLES.iterdir() if ".formula." in path.name)


def parse(text: str, path: str = "flow.formula.toml") -> Formula:
    return parse_formula(textwrap.dedent(text), path)


def library(*formulas: Formula) -> Callable[[str], Formula]:
    by_name = {formula.name: formula for formula in formulas}

    def resolve(name: str) -> Formula:
        return by_name[name]  # KeyError is a LookupError: an unknown name

    return resolve


def sample(name: str) -> Formula:
    path = SAMPLES / name
    return parse_formula(path.read_text(encoding="utf-8"), str(path))


def needs_of(proto: Protomolecule) -> dict[str, tuple[str, ...]]:
    return {step.id: step.needs for step in proto.steps}


def cook_error(
    formula: Formula,
    values: Mapping[str, str] | None = None,
    resolve: Callable[[str], Formula] | None = None,
) -> FormulaError:
    with pytest.raises(FormulaError) as caught:
        if resolve is None:
            cook(formula, values)
        else:
            cook(formula, values, resolve)
    return caught.value


# ---------------------------------------------------------------------------------------------
# The real samples

SAMPLE_VARS: dict[str, dict[str, str]] = {
    "steveyegge__beads__beads-release.formula.toml": {"version": "0.44.0"},
    "steveyegge__beads__beads-release@2026-01-01.formula.json": {"version": "0.37.0"},
    "steveyegge__beads__quick-check.formula.toml": {},
    "steveyegge__gastown__mol-polecat-work.formula.toml": {"issue": "gt-abc1"},
    "steveyegge__gastown__shiny.formula.toml": {"feature": "dark mode"},
    "steveyegge__gastown__towers-of-hanoi.formula.toml": {},
}

# step count, first ids in order, last id, one substituted title or description fragment
SAMPLE_RESULTS = {
    "steveyegge__beads__beads-release.formula.toml": (
        31, ["preflight-worktree", "preflight-git", "preflight-pull"], "release-complete",
        ("create-tag", "git tag -a v0.44.0"),
    ),
    "steveyegge__beads__beads-release@2026-01-01.formula.json": (
        18, ["preflight-git", "preflight-pull", "review-changes"], "release-complete",
        ("release-complete", "Release v0.37.0 is complete!"),
    ),
    "steveyegge__beads__quick-check.formula.toml": (
        4, ["lint", "test", "build"], "report", ("report", "Summarize: lint status"),
    ),
    "steveyegge__gastown__mol-polecat-work.formula.toml": (
        8, ["load-context", "branch-setup", "implement"], "submit-and-exit",
        ("load-context", "gt-abc1"),
    ),
    "steveyegge__gastown__shiny.formula.toml": (
        5, ["design", "implement", "review"], "submit", ("test", "Test dark mode"),
    ),
    "steveyegge__gastown__towers-of-hanoi.formula.toml": (
        9, ["setup", "move-1", "move-2"], "verify", ("move-4", "Move disk 3: A → C"),
    ),
}  # fmt: skip


def test_every_sample_has_expectations() -> None:
    assert sorted(SAMPLE_VARS) == sorted(SAMPLE_RESULTS) == SAMPLE_FILES


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_sample_cooks(name: str) -> None:
    formula = sample(name)
    count, first_ids, last_id, (step_id, fragment) = SAMPLE_RESULTS[name]
    for values in (None, SAMPLE_VARS[name]):
        proto = cook(formula, values)
        assert len(proto.steps) == count
        assert list(proto.step_ids[: len(first_ids)]) == first_ids
        assert proto.step_ids[-1] == last_id
        # Every step comes after everything it needs, and needs only real steps.
        seen: set[str] = set()
        for step in proto.steps:
            assert set(step.needs) <= seen
            seen.add(step.id)
    cooked = cook(formula, SAMPLE_VARS[name])
    step = cooked.step(step_id)
    assert fragment in step.title or fragment in step.description
    for step in cooked.steps:
        for text in (step.title, step.description, step.acceptance):
            assert "{{" not in text


def test_shiny_compiles_with_placeholders_and_substitutes_with_vars() -> None:
    formula = sample("steveyegge__gastown__shiny.formula.toml")
    compiled = cook(formula)
    assert compiled.values is None
    assert [step.title for step in compiled.steps][:2] == [
        "Design {{feature}}",
        "Implement {{feature}}",
    ]
    poured = cook(formula, {"feature": "dark mode"})
    assert [step.title for step in poured.steps] == [
        "Design dark mode",
        "Implement dark mode",
        "Review implementation",
        "Test dark mode",
        "Submit for merge",
    ]
    assert needs_of(poured) == {
        "design": (),
        "implement": ("design",),
        "review": ("implement",),
        "test": ("review",),
        "submit": ("test",),
    }
    assert poured.values == {"feature": "dark mode", "assignee": ""}
    assert poured.step("design").acceptance.startswith("Design doc committed")


def test_shiny_without_its_required_feature_names_the_var_line() -> None:
    formula = sample("steveyegge__gastown__shiny.formula.toml")
    error = cook_error(formula, {})
    assert str(error) == f"{formula.source}:43: missing required variable 'feature'"


def test_polecat_work_requires_issue_and_uses_defaults() -> None:
    formula = sample("steveyegge__gastown__mol-polecat-work.formula.toml")
    assert str(cook_error(formula, {"base_branch": "dev"})) == (
        f"{formula.source}:537: missing required variable 'issue'"
    )
    proto = cook(formula, {"issue": "gt-abc1", "base_branch": "develop"})
    assert proto.values is not None and proto.values["base_branch"] == "develop"
    text = "\n".join(step.description for step in proto.steps)
    assert "develop" in text and "{{base_branch}}" not in text
    compiled = cook(formula)
    assert "{{issue}}" in "\n".join(step.description for step in compiled.steps)


def test_release_sample_orders_a_forward_reference_and_keeps_the_gate() -> None:
    formula = sample("steveyegge__beads__beads-release.formula.toml")
    proto = cook(formula, {"version": "1.2.3"})
    ids = list(proto.step_ids)
    # stamp-changelog is written before snapshot-docs but needs it.
    assert ids.index("snapshot-docs") < ids.index("stamp-changelog")
    assert ids.index("update-vendorhash") < ids.index("snapshot-docs")
    assert proto.step("stamp-changelog").needs == ("snapshot-docs",)
    assert proto.step("local-install").needs == ("verify-github", "verify-npm", "verify-pypi")
    assert proto.step("release-complete").needs == (
        "cleanup-stale-dolt-orphans",
        "generate-newsletter",
    )
    gate = proto.step("await-ci").gate
    assert gate is not None and (gate.type, gate.id) == ("gh:run", "release.yml")
    assert (proto.phase, proto.pour) == ("vapor", True)
    assert "v1.2.3" in proto.step("await-ci").description


def test_json_sample_parallel_verification() -> None:
    proto = cook(
        sample("steveyegge__beads__beads-release@2026-01-01.formula.json"), {"version": "2"}
    )
    assert proto.step("verify-npm").needs == ("verify-github-release",)
    assert proto.step("verify-pypi").needs == ("verify-github-release",)
    assert proto.step("local-install").needs == ("verify-npm", "verify-pypi")
    assert "./scripts/bump-version.sh 2" in proto.step("run-bump-script").description


def test_json_sample_missing_version_names_its_line() -> None:
    formula = sample("steveyegge__beads__beads-release@2026-01-01.formula.json")
    assert (
        str(cook_error(formula, {})) == f"{formula.source}:7: missing required variable 'version'"
    )


def test_quick_check_runs_three_in_parallel_then_reports() -> None:
    proto = cook(sample("steveyegge__beads__quick-check.formula.toml"), {})
    assert proto.step_ids == ("lint", "test", "build", "report")
    assert needs_of(proto)["report"] == ("lint", "test", "build")
    assert all(not proto.step(name).needs for name in ("lint", "test", "build"))


# ---------------------------------------------------------------------------------------------
# Variables

VARS_FORMULA = textwrap.dedent("""\
    formula = "deploy"

    [vars.env]
    description = "Where to deploy"
    enum = ["dev", "prod"]
    default = "dev"

    [vars.ticket]
    pattern = "[A-Z]+-[0-9]+"
    required = true

    [[steps]]
    id = "ship"
    title = "Ship {{ticket}} to {{env}} for {{owner}}"
    description = "Leave {{unknown}} and {{.leg.focus}} alone"
    """)


def test_values_are_substituted_and_extra_values_accepted() -> None:
    proto = cook(parse(VARS_FORMULA), {"ticket": "GT-12", "owner": "mayor"})
    step = proto.step("ship")
    assert step.title == "Ship GT-12 to dev for mayor"
    assert step.description == "Leave {{unknown}} and {{.leg.focus}} alone"
    assert proto.values == {"ticket": "GT-12", "owner": "mayor", "env": "dev"}


def test_enum_failure_names_the_var_line() -> None:
    error = cook_error(parse(VARS_FORMULA), {"ticket": "GT-1", "env": "staging"})
    assert str(error) == (
        "flow.formula.toml:3: variable 'env' = 'staging' is not one of: dev, prod"
    )


def test_pattern_failure_names_the_var_line() -> None:
    error = cook_error(parse(VARS_FORMULA), {"ticket": "gt-1"})
    assert str(error) == (
        "flow.formula.toml:8: variable 'ticket' = 'gt-1' does not match '[A-Z]+-[0-9]+'"
    )


def test_missing_required_names_the_var_line() -> None:
    error = cook_error(parse(VARS_FORMULA), {"env": "prod"})
    assert str(error) == "flow.formula.toml:8: missing required variable 'ticket'"
    assert (error.path, error.line) == ("flow.formula.toml", 8)


def test_compile_only_skips_variable_checks() -> None:
    proto = cook(parse(VARS_FORMULA))
    assert proto.step("ship").title == "Ship {{ticket}} to {{env}} for {{owner}}"


def test_invalid_pattern_is_an_error_at_the_var() -> None:
    formula = parse("""\
        formula = "x"
        [[steps]]
        id = "a"
        [vars.name]
        pattern = "(["
        """)
    error = cook_error(formula, {"name": "x"})
    assert error.line == 4
    assert "invalid pattern" in error.reason


def test_required_with_default_or_required_unless_is_satisfied() -> None:
    formula = parse("""\
        formula = "x"
        [vars.base]
        required = true
        default = "main"
        [inputs.pr]
        required = true
        required_unless = ["branch"]
        [[steps]]
        id = "a"
        title = "{{base}} {{pr}} {{branch}}"
        """)
    assert cook(formula, {"branch": "fix"}).step("a").title == "main  fix"
    assert cook_error(formula, {}).reason == "missing required variable 'pr'"


def test_templated_needs_are_substituted() -> None:
    formula = parse("""\
        formula = "x"
        [[steps]]
        id = "first"
        [[steps]]
        id = "second"
        [[steps]]
        id = "last"
        needs = ["{{after}}"]
        """)
    assert cook(formula, {"after": "second"}).step("last").needs == ("second",)
    assert cook(formula).step("last").needs == ("{{after}}",)
    error = cook_error(formula, {"after": "nope"})
    assert str(error) == "flow.formula.toml:7: step 'last' needs unknown step 'nope'"


# ---------------------------------------------------------------------------------------------
# Needs: unknown names, cycles, duplicates


def test_unknown_need_names_the_step_id_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.formula.toml"
    path.write_text(
        'formula = "bad"\n\n[[steps]]\nid = "a"\n\n[[steps]]\ntitle = "B"\nid = "b"\n'
        'needs = ["a", "ghost"]\n',
        encoding="utf-8",
    )
    formula = parse_formula(path.read_text(encoding="utf-8"), str(path))
    for values in (None, {}):
        error = cook_error(formula, values)
        assert str(error) == f"{path}:8: step 'b' needs unknown step 'ghost'"


def test_cycle_is_named_from_its_first_step() -> None:
    formula = parse("""\
        formula = "loop"
        [[steps]]
        id = "start"
        [[steps]]
        id = "a"
        needs = ["start", "c"]
        [[steps]]
        id = "b"
        needs = ["a"]
        [[steps]]
        id = "c"
        needs = ["b"]
        """)
    error = cook_error(formula)
    assert str(error) == "flow.formula.toml:5: needs cycle: a -> c -> b -> a"


def test_self_need_is_a_cycle() -> None:
    formula = parse('formula = "x"\n[[steps]]\nid = "a"\n[[steps]]\nid = "b"\nneeds = ["b"]\n')
    assert str(cook_error(formula)) == "flow.formula.toml:5: needs cycle: b -> b"


def test_duplicate_ids_are_refused_at_the_second() -> None:
    formula = parse('formula = "x"\n[[steps]]\nid = "a"\n[[steps]]\nid = "a"\n')
    assert str(cook_error(formula)) == (
        "flow.formula.toml:5: duplicate step id 'a' (first at flow.formula.toml:3)"
    )


def test_cycle_in_json_formula_uses_json_lines() -> None:
    text = (
        '{"formula": "j",\n "steps": [\n'
        '  {"id": "a", "needs": ["b"]},\n  {"id": "b", "needs": ["a"]}\n ]\n}\n'
    )
    error = cook_error(parse_formula(text, "j.formula.json"))
    assert str(error) == "j.formula.json:3: needs cycle: a -> b -> a"


def test_formula_without_steps_is_refused() -> None:
    assert str(cook_error(parse('formula = "empty"\n'))) == (
        "flow.formula.toml:1: formula 'empty' has no steps"
    )


# ---------------------------------------------------------------------------------------------
# Children

CHILDREN = textwrap.dedent("""\
    formula = "phased"

    [[steps]]
    id = "prep"

    [[steps]]
    id = "build"
    title = "Build phase"
    needs = ["prep"]

    [[steps.children]]
    id = "compile"

    [[steps.children]]
    id = "link"
    needs = ["compile"]

    [[steps.children]]
    id = "docs"

    [[steps]]
    id = "ship"
    needs = ["build"]

    [[steps]]
    id = "audit"
    needs = ["build.link"]
    """)


def test_children_are_flattened_under_their_parent() -> None:
    proto = cook(parse(CHILDREN))
    assert proto.step_ids == (
        "prep",
        "build.compile",
        "build.link",
        "build.docs",
        "build",
        "ship",
        "audit",
    )
    assert needs_of(proto) == {
        "prep": (),
        "build.compile": ("prep",),
        "build.link": ("build.compile",),
        "build.docs": ("prep",),
        "build": ("prep", "build.link", "build.docs"),
        "ship": ("build",),
        "audit": ("build.link",),
    }
    assert proto.step("build.link").parent == "build"
    assert proto.step("build").parent is None
    assert proto.step("build.link").line == 15


def test_child_with_unknown_need_names_its_own_line() -> None:
    formula = parse(CHILDREN.replace('needs = ["compile"]', 'needs = ["compiel"]'))
    assert str(cook_error(formula)) == (
        "flow.formula.toml:15: step 'build.link' needs unknown step 'compiel'"
    )


def test_child_can_need_an_outer_step() -> None:
    formula = parse(CHILDREN.replace('id = "docs"', 'id = "docs"\nneeds = ["prep"]'))
    assert cook(formula).step("build.docs").needs == ("prep",)


# ---------------------------------------------------------------------------------------------
# Loops

LOOP = textwrap.dedent("""\
    formula = "rounds"

    [vars.n]
    required = true

    [[steps]]
    id = "start"

    [[steps]]
    id = "round"
    title = "Round {{i}} of {{n}}"
    needs = ["start"]
    [steps.loop]
    range = "1..{{n}}"

    [[steps]]
    id = "done"
    needs = ["round"]
    """)


def test_range_loop_is_unrolled_with_vars() -> None:
    proto = cook(parse(LOOP), {"n": "3"})
    assert proto.step_ids == ("start", "round.1", "round.2", "round.3", "done")
    assert [proto.step(f"round.{i}").title for i in (1, 2, 3)] == [
        "Round 1 of 3",
        "Round 2 of 3",
        "Round 3 of 3",
    ]
    assert needs_of(proto) == {
        "start": (),
        "round.1": ("start",),
        "round.2": ("round.1",),
        "round.3": ("round.2",),
        "done": ("round.3",),
    }
    assert proto.step("round.2").loop is None


def test_range_loop_is_kept_whole_when_compiling() -> None:
    proto = cook(parse(LOOP))
    assert proto.step_ids == ("start", "round", "done")
    loop = proto.step("round").loop
    assert loop is not None and loop.range == "1..{{n}}"
    assert proto.step("done").needs == ("round",)


def test_count_loop_with_named_var_and_arithmetic_range() -> None:
    formula = parse("""\
        formula = "x"
        [[steps]]
        id = "poll"
        title = "Poll #{{attempt}}"
        [steps.loop]
        count = 2
        var = "attempt"
        [[steps]]
        id = "moves"
        title = "Move {{i}}"
        needs = ["poll"]
        [steps.loop]
        range = "1..2^{{disks}}-1"
        """)
    compiled = cook(formula)
    assert compiled.step_ids == ("poll.1", "poll.2", "moves")
    assert compiled.step("poll.2").title == "Poll #2"
    proto = cook(formula, {"disks": "3"})
    assert proto.step_ids[2:] == tuple(f"moves.{i}" for i in range(1, 8))
    assert proto.step("moves.1").needs == ("poll.2",)
    assert proto.step("moves.7").title == "Move 7"


def test_until_loop_stays_one_step() -> None:
    formula = parse("""\
        formula = "x"
        [[steps]]
        id = "retry"
        [steps.loop]
        until = "{{green}}"
        max = 5
        [[steps]]
        id = "after"
        needs = ["retry"]
        """)
    proto = cook(formula, {})
    assert proto.step_ids == ("retry", "after")
    loop = proto.step("retry").loop
    assert loop is not None and (loop.until, loop.max) == ("{{green}}", 5)


def test_zero_iterations_rewire_to_the_loop_needs() -> None:
    proto = cook(parse(LOOP), {"n": "0"})
    assert proto.step_ids == ("start", "done")
    assert proto.step("done").needs == ("start",)


def test_loop_body_repeats_as_children() -> None:
    formula = parse("""\
        formula = "x"
        [[steps]]
        id = "cycle"
        [steps.loop]
        count = 2
        [[steps.loop.body]]
        id = "write"
        title = "Write draft {{i}}"
        [[steps.loop.body]]
        id = "check"
        needs = ["write"]
        """)
    proto = cook(formula)
    assert proto.step_ids == (
        "cycle.1.write",
        "cycle.1.check",
        "cycle.1",
        "cycle.2.write",
        "cycle.2.check",
        "cycle.2",
    )
    assert proto.step("cycle.2.write").needs == ("cycle.1",)
    assert proto.step("cycle.2.write").title == "Write draft 2"
    assert proto.step("cycle.2").needs == ("cycle.1", "cycle.2.check")


@pytest.mark.parametrize(
    ("loop", "values", "reason"),
    [
        (
            'range = "1..{{n}}"',
            {},
            "step 'round': loop bound '1..{{n}}' uses an undefined variable",
        ),
        ('range = "1-3"', None, "step 'round': loop range '1-3' is not 'START..END'"),
        ('range = "1..x"', None, "step 'round': loop bound 'x' is not an integer"),
        ("count = 20000", None, "step 'round': loop of 20000 iterations (at most 10000)"),
        ("max = 3", None, "step 'round': a loop needs 'count', 'range' or 'until'"),
    ],
)
def test_bad_loops_name_the_step_line(
    loop: str, values: dict[str, str] | None, reason: str
) -> None:
    formula = parse(f'formula = "x"\n[[steps]]\nid = "round"\n[steps.loop]\n{loop}\n')
    assert str(cook_error(formula, values)) == f"flow.formula.toml:3: {reason}"


# ---------------------------------------------------------------------------------------------
# Conditions

CONDITIONS = textwrap.dedent("""\
    formula = "cond"

    [vars.env]
    default = "dev"

    [vars.docs]
    default = "false"

    [[steps]]
    id = "build"

    [[steps]]
    id = "smoke"
    needs = ["build"]
    condition = "{{env}} == prod"

    [[steps]]
    id = "write-docs"
    needs = ["smoke"]
    condition = "{{docs}}"

    [[steps]]
    id = "skip-note"
    needs = ["build"]
    condition = "!{{docs}}"

    [[steps]]
    id = "release"
    needs = ["write-docs", "skip-note"]
    condition = "{{env}} != 'dev'"
    """)


def test_false_conditions_drop_steps_and_rewire_dependents() -> None:
    proto = cook(parse(CONDITIONS), {})
    assert proto.step_ids == ("build", "skip-note")
    proto = cook(parse(CONDITIONS), {"env": "prod"})
    assert proto.step_ids == ("build", "smoke", "skip-note", "release")
    # write-docs was dropped: release needs what it needed (smoke) instead.
    assert proto.step("release").needs == ("smoke", "skip-note")
    assert proto.step("release").condition == ""
    proto = cook(parse(CONDITIONS), {"env": "prod", "docs": "yes"})
    assert proto.step_ids == ("build", "smoke", "write-docs", "release")
    assert proto.step("release").needs == ("write-docs", "build")


def test_a_chain_of_dropped_steps_rewires_through_all_of_them() -> None:
    proto = cook(parse(CONDITIONS.replace("!{{docs}}", "{{docs}}")), {"env": "staging"})
    # release needed write-docs (needing dropped smoke, needing build) and skip-note (build).
    assert proto.step_ids == ("build", "release")
    assert proto.step("release").needs == ("build",)


def test_conditions_are_kept_when_compiling() -> None:
    proto = cook(parse(CONDITIONS))
    assert len(proto.steps) == 5
    assert proto.step("smoke").condition == "{{env}} == prod"


def test_unreadable_condition_names_the_step_line() -> None:
    formula = parse(CONDITIONS.replace('{{docs}}"', 'docs are wanted"', 1))
    assert str(cook_error(formula)) == (
        "flow.formula.toml:18: step 'write-docs': condition 'docs are wanted' is not "
        "understood (use {{var}}, !{{var}}, {{var}} == value or {{var}} != value)"
    )


# ---------------------------------------------------------------------------------------------
# Convoy

CONVOY = textwrap.dedent("""\
    formula = "review"
    type = "convoy"
    agent = "claude"

    [inputs.pr]
    required = true

    [[legs]]
    id = "correctness"
    title = "Correctness of PR {{pr}}"
    focus = "Logic errors"

    [[legs]]
    id = "security"
    description = "Look for injection in {{pr}}"

    [[legs]]
    id = "style"
    focus = "Naming"
    """)


def test_convoy_legs_run_in_parallel_then_synthesis() -> None:
    proto = cook(parse(CONVOY), {"pr": "42"})
    assert proto.type is FormulaType.CONVOY
    assert proto.step_ids == ("correctness", "security", "style", "synthesis")
    assert needs_of(proto) == {
        "correctness": (),
        "security": (),
        "style": (),
        "synthesis": ("correctness", "security", "style"),
    }
    assert proto.step("correctness").title == "Correctness of PR 42"
    assert proto.step("security").description == "Look for injection in 42"
    assert proto.step("style").description == "Naming"
    assert proto.step("style").extra == {"focus": "Naming"}
    assert proto.step("synthesis").line == 1


def test_convoy_synthesis_can_depend_on_some_legs() -> None:
    text = CONVOY + '\n[synthesis]\nid = "summary"\ntitle = "Sum up"\ndepends_on = ["security"]\n'
    proto = cook(parse(text))
    assert proto.step("summary").needs == ("security",)
    assert proto.step("summary").title == "Sum up"
    text = CONVOY + '\n[synthesis]\ndepends_on = ["speed"]\n'
    assert str(cook_error(parse(text))) == (
        "flow.formula.toml:21: step 'synthesis' needs unknown step 'speed'"
    )


# ---------------------------------------------------------------------------------------------
# extends, compose.expand, aspects

BASE = parse(
    """\
    formula = "base"
    type = "workflow"

    [vars.feature]
    required = true

    [[steps]]
    id = "design"
    title = "Design {{feature}}"

    [[steps]]
    id = "implement"
    title = "Implement {{feature}}"
    description = "Write {{feature}}"
    needs = ["design"]

    [[steps]]
    id = "review"
    needs = ["implement"]
    """,
    "base.formula.toml",
)

REFINE = parse(
    """\
    formula = "refine"
    type = "expansion"

    [[template]]
    id = "{target}.draft"
    title = "Draft: {target.title}"
    description = "First cut of: {target.description}"

    [[template]]
    id = "polish"
    title = "Polish {target}"
    needs = ["{target}.draft"]

    [[template]]
    id = "{target}.check"
    needs = ["{target}.draft"]
    """,
    "refine.formula.toml",
)

AUDIT = parse(
    """\
    formula = "audit"
    type = "aspect"

    [[advice]]
    target = "impl*"

    [[advice.around.before]]
    id = "{step.id}-prescan"
    title = "Scan before {step.title}"

    [[advice.around.after]]
    id = "{step.id}-postscan"

    [[advice.around.after]]
    id = "report"
    """,
    "audit.formula.toml",
)


def test_extends_inherits_and_overrides() -> None:
    child = parse("""\
        formula = "child"
        extends = ["base"]

        [vars.team]
        default = "core"

        [[steps]]
        id = "review"
        title = "Review by {{team}}"
        needs = ["implement"]

        [[steps]]
        id = "ship"
        needs = ["review"]
        """)
    proto = cook(child, {"feature": "search"}, library(BASE))
    assert proto.name == "child"
    assert proto.step_ids == ("design", "implement", "review", "ship")
    assert proto.step("design").title == "Design search"
    assert proto.step("review").title == "Review by core"
    assert proto.step("design").source == "base.formula.toml"
    assert proto.step("ship").source == "flow.formula.toml"
    assert {var.name for var in proto.vars} == {"feature", "team"}
    assert str(cook_error(child, {}, library(BASE))) == (
        "base.formula.toml:4: missing required variable 'feature'"
    )


def test_extends_unknown_and_cyclic() -> None:
    child = parse('formula = "c"\n\nextends = ["nowhere"]\n')
    assert str(cook_error(child, None, library())) == (
        "flow.formula.toml:3: unknown formula 'nowhere'"
    )

    def placeless(name: str) -> Formula:
        raise FormulaError(f"no formula {name!r}")

    assert str(cook_error(child, None, placeless)) == "flow.formula.toml:3: no formula 'nowhere'"
    one = parse('formula = "one"\nextends = ["two"]\n', "one.formula.toml")
    two = parse('formula = "two"\nextends = ["one"]\n', "two.formula.toml")
    error = cook_error(one, None, library(one, two))
    assert str(error) == "one.formula.toml:2: formula composition cycle: one -> two -> one"


def test_compose_expand_replaces_the_target_and_rewires() -> None:
    enterprise = parse("""\
        formula = "enterprise"
        extends = ["base"]

        [[compose.expand]]
        target = "implement"
        with = "refine"
        """)
    proto = cook(enterprise, {"feature": "search"}, library(BASE, REFINE))
    assert proto.step_ids == (
        "design",
        "implement.draft",
        "implement.polish",
        "implement.check",
        "review",
    )
    assert needs_of(proto) == {
        "design": (),
        "implement.draft": ("design",),
        "implement.polish": ("implement.draft",),
        "implement.check": ("implement.draft",),
        "review": ("implement.polish", "implement.check"),
    }
    assert proto.step("implement.draft").title == "Draft: Implement search"
    assert proto.step("implement.draft").description == "First cut of: Write search"
    assert proto.step("implement.polish").title == "Polish implement"
    assert proto.step("implement.draft").source == "refine.formula.toml"
    assert proto.step("implement.draft").line == 5
    compiled = cook(enterprise, None, library(BASE, REFINE))
    assert compiled.step("implement.draft").title == "Draft: Implement {{feature}}"


def test_step_level_expand() -> None:
    formula = parse("""\
        formula = "x"
        [[steps]]
        id = "write"
        expand = "refine"
        [[steps]]
        id = "send"
        needs = ["write"]
        """)
    proto = cook(formula, {}, library(REFINE))
    assert proto.step_ids == ("write.draft", "write.polish", "write.check", "send")
    assert proto.step("send").needs == ("write.polish", "write.check")


def test_expand_errors_name_the_request_line() -> None:
    wrong_target = parse("""\
        formula = "x"
        extends = ["base"]
        [[compose.expand]]
        with = "refine"
        target = "deploy"
        """)
    assert str(cook_error(wrong_target, None, library(BASE, REFINE))) == (
        "flow.formula.toml:5: expansion target 'deploy' is not a step of 'x'"
    )
    not_expansion = parse("""\
        formula = "x"
        extends = ["base"]
        [[compose.expand]]
        target = "design"
        with = "base"
        """)
    assert str(cook_error(not_expansion, None, library(BASE))) == (
        "flow.formula.toml:4: 'base' has type workflow, not expansion"
    )


def test_expansion_and_aspect_cannot_be_poured_alone() -> None:
    error = cook_error(REFINE)
    assert str(error) == (
        "refine.formula.toml:2: formula 'refine' is an expansion: it cannot be poured alone; "
        "apply it to a step with compose.expand"
    )
    assert cook_error(AUDIT, {}).reason.startswith("formula 'audit' is an aspect")


def test_apply_aspect_wraps_matching_steps() -> None:
    advised = apply_aspect(BASE, AUDIT)
    proto = cook(advised, {"feature": "search"})
    assert proto.step_ids == (
        "design",
        "implement-prescan",
        "implement",
        "implement-postscan",
        "implement.report",
        "review",
    )
    assert needs_of(proto) == {
        "design": (),
        "implement-prescan": ("design",),
        "implement": ("implement-prescan",),
        "implement-postscan": ("implement",),
        "implement.report": ("implement-postscan",),
        "review": ("implement.report",),
    }
    assert proto.step("implement-prescan").title == "Scan before Implement search"
    assert proto.step("implement-prescan").source == "audit.formula.toml"
    assert BASE.steps[1].needs == ("design",)  # the original is untouched


def test_apply_aspect_uses_pointcuts_and_refuses_non_aspects() -> None:
    aspect = parse(
        """\
        formula = "trace"
        type = "aspect"
        [[advice]]
        [[advice.before]]
        id = "log"
        [[pointcuts]]
        glob = "*"
        """,
        "trace.formula.toml",
    )
    proto = cook(apply_aspect(BASE, aspect), {"feature": "f"})
    assert proto.step_ids == (
        "design.log",
        "design",
        "implement.log",
        "implement",
        "review.log",
        "review",
    )
    assert proto.step("implement.log").needs == ("design",)
    with pytest.raises(FormulaError) as caught:
        apply_aspect(BASE, REFINE)
    assert str(caught.value) == "refine.formula.toml:2: 'refine' has type expansion, not aspect"


def test_compose_aspects_by_name() -> None:
    secure = parse("""\
        formula = "secure"
        extends = ["base"]
        [compose]
        aspects = ["audit"]
        """)
    proto = cook(secure, {"feature": "x"}, library(BASE, AUDIT))
    assert "implement-prescan" in proto.step_ids
    assert proto.step("review").needs == ("implement.report",)
    missing = cook_error(secure, None, library(BASE))
    assert str(missing) == "flow.formula.toml:4: unknown formula 'audit'"
