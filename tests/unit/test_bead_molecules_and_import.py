"""The engine's molecule actions, template storing, import and rebuild: what they log."""

from __future__ import annotations

from pathlib import Path

import pytest
from bead_edit_fixtures import ACTOR, bead, check_formula, logged, logged_since, new_store

from gastown_tui.core.formula_cook import cook
from gastown_tui.core.formula_parser import parse_formula
from gastown_tui.store.bead_edits.bead_import import import_issues_file
from gastown_tui.store.bead_edits.molecule_actions import (
    burn_molecule,
    pour_formula,
    squash_molecule,
    store_template,
)
from gastown_tui.store.bead_edits.refusals import FileUnreadable, TemplateRefused
from gastown_tui.store.store_rebuild import rebuild_store


def test_pour_formula_logs_a_root_and_one_bead_per_step_in_one_batch(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    poured = pour_formula(store, ACTOR, check_formula(), wisp=True, assignee="mayor")
    events = logged(store)
    assert [e["bead"] for e in events] == [poured.root, *(b for _, b, _ in poured.steps)]
    assert {e["op"] for e in events} == {"create"} and len({e["batch"]["id"] for e in events}) == 1
    assert "-wisp-" in poured.root
    assert [step for step, _, _ in poured.steps] == ["lint", "test", "report"]
    report = events[-1]["data"]["record"]
    assert report["ephemeral"] is True and report["assignee"] == "mayor"
    assert [d["type"] for d in report["dependencies"]] == ["parent-child", "blocks", "blocks"]


def test_squash_molecule_leaves_a_closed_digest_and_tombstones(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    poured = pour_formula(store, ACTOR, check_formula(), wisp=False, assignee=None)
    first_step = poured.steps[0][1]
    removed = squash_molecule(store, ACTOR, first_step)  # any member names its molecule
    assert removed.removed == (*(b for _, b, _ in poured.steps), poured.root)
    digest, *deletes = logged_since(store, 4)
    assert (digest["op"], digest["bead"]) == ("create", removed.digest)
    record = digest["data"]["record"]
    assert record["status"] == "closed" and record["metadata"]["squashed_from"] == poured.root
    assert record["description"].splitlines()[0] == "- lint: Run linter — open"
    assert [(e["op"], e["bead"]) for e in deletes] == [("delete", b) for b in removed.removed]
    assert {e["data"]["set"]["delete_reason"] for e in deletes} == {"squashed"}


def test_burn_molecule_tombstones_every_bead_without_a_digest(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    poured = pour_formula(store, ACTOR, check_formula(), wisp=False, assignee=None)
    removed = burn_molecule(store, ACTOR, poured.root)
    assert removed.digest is None and len(removed.removed) == 4
    deletes = logged_since(store, 4)
    assert [e["op"] for e in deletes] == ["delete"] * 4
    assert {e["data"]["set"]["delete_reason"] for e in deletes} == {"burned"}
    statuses = {(store.get(bead_id) or {}).get("status") for bead_id in removed.removed}
    assert statuses == {"tombstone"}


def test_store_template_creates_then_replaces_and_refuses_an_ordinary_bead(
    tmp_path: Path,
) -> None:
    store = new_store(tmp_path)
    proto = check_formula()
    assert store_template(store, ACTOR, proto, {"steps": 3}) == "check"
    store_template(store, ACTOR, proto, {"steps": 3})
    created, replaced = logged(store)
    assert (created["op"], replaced["op"]) == ("create", "import")
    assert replaced["data"]["record"]["created_at"] == created["ts"]
    assert replaced["data"]["record"]["metadata"]["protomolecule"] == {"steps": 3}
    ordinary = bead(store, "ordinary", bead_id="t-plain")
    text = 'formula = "t-plain"\n[[steps]]\nid = "a"\ntitle = "A"\n'
    clash = cook(parse_formula(text, "t-plain.formula.toml"))
    with pytest.raises(TemplateRefused, match=f"'{ordinary}' is already a bead"):
        store_template(store, ACTOR, clash, {})


def test_import_issues_file_logs_changed_records_and_reports_bad_lines(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    source = tmp_path / "issues.jsonl"
    lines = ['{"id":"x-1","title":"one","status":"open"}', "not json",
             '{"id":"x-2","title":"two","status":"closed"}']  # fmt: skip
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = import_issues_file(store, ACTOR, source)
    assert (summary.imported, summary.unchanged, summary.skipped) == (2, 0, 1)
    assert summary.problems[0].startswith(f"{source}:2: invalid JSON")
    assert [(e["op"], e["bead"]) for e in logged(store)] == [("import", "x-1"), ("import", "x-2")]
    again = import_issues_file(store, ACTOR, source)
    assert (again.imported, again.unchanged) == (0, 2) and len(logged(store)) == 2
    with pytest.raises(FileUnreadable, match=r"cannot read .*missing\.jsonl"):
        import_issues_file(store, ACTOR, tmp_path / "missing.jsonl")


def test_rebuild_store_replays_the_log_and_counts_what_it_found(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    bead(store, "one")
    bead(store, "two")
    with store.paths.events.open("ab") as log:
        log.write(b"garbage\n")
    summary = rebuild_store(store)
    assert (summary.events, summary.beads, summary.malformed_lines) == (2, 2, 1)
    assert summary.bytes == store.paths.events.stat().st_size
    assert summary.as_json()["torn_batches"] == 0
