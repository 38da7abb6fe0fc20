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


def _write(folder: Path, name: str, step: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.formula.toml").write_text(
        f'formula = "{name}"\n\n[[steps]]\nid = "{step}"\ntitle = "{step}"\n', encoding="utf-8"
    )


def test_resolution_order_in_a_town(tmp_path: Path) -> None:
    from gastown_tui.store.formula_library import library_for

    town = tmp_path / "town"
    (town / ".beads").mkdir(parents=True)
    (town / "town.toml").write_text("", encoding="utf-8")
    checkout = town / "rigs" / "web" / "polecats" / "nux"
    _write(checkout / ".beads" / "formulas", "shiny", "from-rig")
    _write(town / ".beads" / "formulas", "shiny", "from-town-store")
    _write(town / ".beads" / "formulas", "fix-bug", "from-town-store")
    _write(town / "formulas", "shiny", "from-town")
    _write(town / "formulas", "fix-bug", "from-town")
    _write(town / "formulas", "code-review", "from-town")
    inside = checkout / "src"
    inside.mkdir()
    library = library_for(town / ".beads", inside)
    first_step = {f.name: f.path for f in library.files()}
    assert first_step["shiny"] == checkout / ".beads" / "formulas" / "shiny.formula.toml"
    assert first_step["fix-bug"] == town / ".beads" / "formulas" / "fix-bug.formula.toml"
    assert first_step["code-review"] == town / "formulas" / "code-review.formula.toml"
    assert first_step["mol-polecat-work"].parent.name == "formulas"  # shipped
    shadows = {f.name: f.shadows for f in library.files()}
    assert len(shadows["shiny"]) == 3  # town store, town, shipped
    from_town_root = library_for(town / ".beads", town)
    assert {f.name: f.path for f in from_town_root.files()}["shiny"].parent == (
        town / ".beads" / "formulas"
    )


def test_resolution_order_in_a_plain_project(tmp_path: Path) -> None:
    from gastown_tui.store.formula_library import library_for

    project = tmp_path / "project"
    _write(project / ".beads" / "formulas", "shiny", "local")
    _write(project / "formulas", "fix-bug", "ignored")  # only a town has a formulas/ of its own
    library = library_for(project / ".beads", project)
    paths = {f.name: f.path for f in library.files()}
    assert paths["shiny"] == project / ".beads" / "formulas" / "shiny.formula.toml"
    assert paths["fix-bug"].parent != project / "formulas"
