"""Our shipped formulas compose: rule-of-five expands a step, security-audit advises a workflow."""

from __future__ import annotations

from pathlib import Path

from gastown_tui.core.formula_cook import apply_aspect, cook
from gastown_tui.core.formula_parser import parse_formula
from gastown_tui.store.formula_library import FormulaLibrary, search_dirs


def _library(tmp_path: Path, extra: dict[str, str]) -> FormulaLibrary:
    local = tmp_path / ".beads" / "formulas"
    local.mkdir(parents=True)
    for name, text in extra.items():
        (local / f"{name}.formula.toml").write_text(text, encoding="utf-8")
    return FormulaLibrary(search_dirs(tmp_path / ".beads"))


def test_rule_of_five_expands_the_implement_step_of_our_worker_formula(tmp_path: Path) -> None:
    library = _library(tmp_path, {"careful-work": (
        'formula = "careful-work"\nextends = ["mol-polecat-work"]\n\n'
        '[[compose.expand]]\ntarget = "implement"\nwith = "rule-of-five"\n'
    )})  # fmt: skip
    proto = cook(library.load("careful-work"), {"issue": "gt-a1b2"}, library.load)
    ids = list(proto.step_ids)
    assert "implement" not in ids
    passes = [i for i in ids if i.startswith("implement.")]
    assert passes[0] == "implement.draft" and len(passes) == 5
    assert proto.step("implement.draft").needs == ("understand",)
    assert proto.step("test").needs == (passes[-1],)
    assert "Implement gt-a1b2" in proto.step("implement.draft").title


def test_security_audit_wraps_implement_and_test(tmp_path: Path) -> None:
    library = _library(tmp_path, {})
    advised = apply_aspect(library.load("mol-polecat-work"), library.load("security-audit"))
    proto = cook(advised, {"issue": "gt-a1b2"}, library.load)
    ids = list(proto.step_ids)
    assert ids.index("implement-threat-model") < ids.index("implement")
    assert ids.index("test") < ids.index("test-security-check") < ids.index("self-review")


def test_every_shipped_workflow_cooks_with_example_values(tmp_path: Path) -> None:
    library = _library(tmp_path, {})
    values = {"issue": "gt-a1b2", "mr": "gt-mr01", "reason": "gate", "gate": "test"}
    for found in library.files():
        formula = parse_formula(found.path.read_text(encoding="utf-8"), str(found.path))
        if formula.type in ("expansion", "aspect"):
            continue
        wanted = {var.name: values[var.name] for var in formula.vars if var.name in values}
        proto = cook(formula, wanted, library.load)
        assert proto.steps, found.name
        assert not any("{{" in step.title for step in proto.steps), found.name
