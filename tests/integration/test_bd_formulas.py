"""`bd formula list|show` and `bd cook` through the real CLI, on our shipped formulas."""

from __future__ import annotations

from pathlib import Path

from bd_helpers import refused
from conftest import BdRunner

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = {
    "code-review": "convoy", "fix-bug": "workflow", "mol-polecat-rework": "workflow",
    "mol-polecat-work": "workflow", "rule-of-five": "expansion", "security-audit": "aspect",
    "shiny": "workflow",
}  # fmt: skip


def test_formula_list_shows_every_shipped_formula_with_its_type(bd: BdRunner) -> None:
    rows = bd("formula", "list", "--json").json()
    assert {row["name"]: row["type"] for row in rows} == SHIPPED
    assert all(Path(row["path"]).parent == ROOT / "formulas" for row in rows)
    assert all(row["shadows"] == [] for row in rows)


def test_a_store_formula_shadows_the_shipped_one(bd: BdRunner) -> None:
    local = bd.beads_dir / "formulas"
    local.mkdir()
    (local / "shiny.formula.toml").write_text(
        'formula = "shiny"\ntype = "workflow"\n\n[[steps]]\nid = "only"\ntitle = "Just one"\n',
        encoding="utf-8",
    )
    rows = {row["name"]: row for row in bd("formula", "list", "--json").json()}
    assert rows["shiny"]["path"] == str(local / "shiny.formula.toml")
    assert rows["shiny"]["shadows"] == [str(ROOT / "formulas" / "shiny.formula.toml")]
    cooked = bd("cook", "shiny", "--json").json()
    assert [step["id"] for step in cooked["steps"]] == ["only"]


def test_formula_show_lists_vars_and_compiled_steps(bd: BdRunner) -> None:
    shown = bd("formula", "show", "mol-polecat-work", "--json").json()
    assert shown["type"] == "workflow"
    issue = next(var for var in shown["vars"] if var["name"] == "issue")
    assert issue["required"] is True
    ids = [step["id"] for step in shown["steps"]]
    assert ids[0] == "load-context" and ids[-1] == "submit"
    assert shown["steps"][1]["needs"] == ["load-context"]
    text = bd("formula", "show", "mol-polecat-work").stdout
    assert "step submit" in text and "var issue: required" in text


def test_cook_without_vars_compiles_and_keeps_placeholders(bd: BdRunner) -> None:
    before = len(bd.events())
    cooked = bd("cook", "mol-polecat-work", "--json").json()
    assert cooked["compiled_only"] is True and cooked["values"] is None
    assert "{{issue}}" in cooked["steps"][0]["title"]
    assert len(bd.events()) == before, "cooking without --persist writes nothing"


def test_cook_with_vars_substitutes_and_validates(bd: BdRunner) -> None:
    cooked = bd("cook", "mol-polecat-work", "--var", "issue=t-abc", "--json").json()
    assert cooked["values"]["issue"] == "t-abc"
    titles = [step["title"] for step in cooked["steps"]]
    assert "Understand t-abc" in titles
    assert not any("{{" in step["title"] + step["description"] for step in cooked["steps"])
    path = ROOT / "formulas" / "mol-polecat-work.formula.toml"
    missing = refused(bd, "cook", "mol-polecat-work", "--var", "target=main")
    assert f"{path}:" in missing and "missing required variable 'issue'" in missing
    bad = refused(bd, "cook", "mol-polecat-work", "--var", "issue=x", "--var", "target=a b")
    assert "does not match" in bad
    assert refused(bd, "cook", "mol-polecat-work", "--var", "novalue", code=2)


def test_cook_walks_loops_and_conditions_of_our_formulas(bd: BdRunner) -> None:
    shiny = bd("cook", "shiny", "--var", "issue=t-1", "--var", "review_rounds=3", "--json")
    steps = shiny.json()["steps"]
    rounds = [step for step in steps if step["id"].endswith(".pass")]
    assert [step["id"] for step in rounds] == ["review.1.pass", "review.2.pass", "review.3.pass"]
    assert [step["title"] for step in rounds] == [f"Review round {n} of 3" for n in (1, 2, 3)]
    assert rounds[1]["needs"] == ["review.1"], "each round waits for the one before"
    assert steps[-2]["id"] == "test" and steps[-2]["needs"] == ["review.3"]
    rework = bd("cook", "mol-polecat-rework", "--var", "issue=t-1", "--var", "mr=t-mr01",
                "--var", "reason=conflict", "--json").json()  # fmt: skip
    ids = [step["id"] for step in rework["steps"]]
    assert "resolve-conflicts" in ids and "fix-gate" not in ids


def test_expansions_and_aspects_are_not_pourable_alone(bd: BdRunner) -> None:
    assert "expansion" in refused(bd, "cook", "rule-of-five")
    assert "aspect" in refused(bd, "cook", "security-audit")
    assert "no formula 'nowhere'" in refused(bd, "cook", "nowhere")
    assert "not a formula name" in refused(bd, "cook", "../etc/passwd")


def test_a_broken_formula_reports_file_and_line_and_writes_nothing(bd: BdRunner) -> None:
    local = bd.beads_dir / "formulas"
    local.mkdir()
    (local / "broken.formula.toml").write_text(
        'formula = "broken"\n\n[[steps]]\nid = "a"\nneeds = ["ghost"]\n', encoding="utf-8"
    )
    (local / "syntax.formula.toml").write_text('formula = "syntax"\nsteps = [\n', "utf-8")
    unknown = refused(bd, "cook", "broken", "--persist")
    assert f"{local / 'broken.formula.toml'}:4:" in unknown and "ghost" in unknown
    syntax = refused(bd, "cook", "syntax")
    assert f"{local / 'syntax.formula.toml'}:" in syntax
    row = next(r for r in bd("formula", "list", "--json").json() if r["name"] == "syntax")
    assert "error" in row


def test_cook_persist_stores_a_template_bead(bd: BdRunner) -> None:
    n = len(bd.events())
    cooked = bd("cook", "mol-polecat-work", "--var", "issue=t-9", "--persist", "--json").json()
    assert cooked["template"] == "mol-polecat-work"
    events = bd.new_events(n)
    assert [(e["op"], e["bead"]) for e in events] == [("create", "mol-polecat-work")]
    shown = bd("show", "mol-polecat-work", "--json").json()[0]
    assert (shown["issue_type"], shown["is_template"], shown["labels"]) == (
        "molecule", True, ["template"])  # fmt: skip
    stored = shown["metadata"]["protomolecule"]
    assert [s["id"] for s in stored["steps"]] == [s["id"] for s in cooked["steps"]]
    assert "mol-polecat-work" not in [r["id"] for r in bd("ready", "--json").json()]
    again = bd("cook", "mol-polecat-work", "--persist", "--json").json()
    assert again["compiled_only"] is True
    assert [e["op"] for e in bd.new_events(n)] == ["create", "import"]
    bd("create", "plain", "--id", "t-plain")
    local = bd.beads_dir / "formulas"
    local.mkdir()
    (local / "t-plain.formula.toml").write_text(
        'formula = "t-plain"\n\n[[steps]]\nid = "a"\ntitle = "A"\n', encoding="utf-8"
    )
    assert "not a template" in refused(bd, "cook", "t-plain", "--persist")


def test_a_convoy_preset_picks_its_legs(bd: BdRunner) -> None:
    quick = bd("cook", "code-review", "--var", "mr=t-mr01", "--var", "preset=quick", "--json")
    steps = quick.json()["steps"]
    assert [step["id"] for step in steps] == ["correctness", "tests", "synthesis"]
    assert steps[-1]["needs"] == ["correctness", "tests"]
    full = bd("cook", "code-review", "--var", "mr=t-mr01", "--json").json()["steps"]
    assert len(full) == 5 and full[-1]["needs"] == [s["id"] for s in full[:4]]
    assert "preset" in refused(bd, "cook", "code-review", "--var", "mr=t-mr01",
                               "--var", "preset=huge")  # fmt: skip


def test_children_labels_and_priority_of_our_fix_bug_formula_reach_the_poured_beads(
    bd: BdRunner,
) -> None:
    cooked = bd("cook", "fix-bug", "--var", "issue=t-1", "--json").json()
    steps = {step["id"]: step for step in cooked["steps"]}
    assert "bisect" not in steps, "the condition drops bisect without a known-good version"
    assert steps["diagnose"]["needs"] == ["reproduce"]
    assert steps["prove.red-without-fix"]["needs"] == ["fix"]
    assert steps["prove.red-without-fix"]["parent"] == "prove"
    assert steps["prove"]["needs"] == ["fix", "prove.record-proof"]
    poured = bd("mol", "pour", "fix-bug", "--var", "issue=t-1", "--json").json()
    bead_of = {row["step"]: row["bead"] for row in poured["steps"]}
    prove, record = bd("show", bead_of["prove"], bead_of["prove.record-proof"], "--json").json()
    assert prove["labels"] == ["proof"]
    assert (record["priority"], prove["priority"]) == (3, 2)


def test_a_gate_step_waits_for_someone_outside_the_molecule(bd: BdRunner) -> None:
    poured = bd("mol", "pour", "shiny", "--var", "issue=t-1", "--var", "design_signoff=overseer",
                "-a", "web/polecats/nux", "--json").json()  # fmt: skip
    bead_of = {row["step"]: row["bead"] for row in poured["steps"]}
    gate = bd("show", bead_of["signoff"], "--json").json()[0]
    assert (gate["issue_type"], gate["await_type"], gate["await_id"]) == (
        "gate",
        "human",
        "overseer",
    )
    assert gate["metadata"]["gate_timeout"] == "24h"
    after_design = bd("close", bead_of["design"], "--continue", "--json").json()
    assert after_design == {"closed": bead_of["design"], "next": None, "next_step": None,
                            "complete": False}, "nobody claims a gate"  # fmt: skip
    assert bead_of["signoff"] not in [r["id"] for r in bd("ready", "-n", "0", "--json").json()]
    refused(bd, "close", bead_of["implement"])  # still behind the gate
    signed = bd("close", bead_of["signoff"], "--continue", "--json", actor="overseer").json()
    assert signed["next"] == bead_of["implement"]
    implement = bd("show", bead_of["implement"], "--json").json()[0]
    assert (implement["status"], implement["assignee"]) == ("in_progress", "web/polecats/nux")
