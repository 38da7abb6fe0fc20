"""`gt rig add` runs each gate once on the source's default branch and says how it went: passes,
fails (with its first failing line) or cannot start; the rig is added either way.
"""

from __future__ import annotations

from pathlib import Path

from town_fixtures import TownRunner, make_source_repo

GATES = ("--gate", "setup=true",
         "--gate", "lint=echo checking; echo 'FAILED: lint found a tab in calc.py'; exit 1",
         "--gate", "test=no-such-test-runner --all")  # fmt: skip


def test_rig_add_reports_each_gate_on_the_default_branch(town: TownRunner, tmp_path: Path) -> None:
    source = make_source_repo(tmp_path / "src", town.env, kind="script")
    added = town.gt("rig", "add", "demo", str(source), "--prefix", "dm", *GATES, "--json").json()
    checks = {check["gate"]: check for check in added["gate_check"]}
    assert [check["gate"] for check in added["gate_check"]] == ["setup", "lint", "test"]
    assert checks["setup"]["result"] == "passes" and checks["setup"]["exit_code"] == 0
    assert checks["lint"]["result"] == "fails"
    assert checks["lint"]["first_failing_line"] == "FAILED: lint found a tab in calc.py"
    assert checks["test"]["result"] == "cannot start" and checks["test"]["exit_code"] == 127
    assert "not found" in checks["test"]["output"]
    assert [rig["name"] for rig in town.gt("rig", "list", "--json").json()] == ["demo"]
    assert not list((town.root / ".runtime" / "refinery").glob("*.json")), "no record left"
    text = town.gt("rig", "add", "again", str(source), "--prefix", "ag", *GATES).stdout
    assert "gate setup: passes" in text
    assert "gate lint: fails: FAILED: lint found a tab in calc.py" in text
    assert "gate test: cannot start (exit 127): " in text and "not found" in text
    repository = town.root / "rigs" / "again" / "repo.git"
    assert town.git(repository, "worktree", "list").count("\n") == 0, "the checkout is gone"
