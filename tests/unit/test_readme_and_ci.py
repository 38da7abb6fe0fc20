"""The README's Quick start and `.ci/run` must not drift apart; resources resolve."""

from __future__ import annotations

import re
from pathlib import Path

from gastown_tui.resources import demo_dir, shipped_dir

ROOT = Path(__file__).resolve().parents[2]


def _quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_is_exactly_two_commands() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2
    assert all("\n" not in command for command in commands)
    assert commands[0].endswith("gt demo")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _quick_start_commands()[1] in ci_lines


def test_shipped_resources_are_found() -> None:
    assert (shipped_dir("themes") / "gastown.toml").is_file()
    assert (shipped_dir("formulas") / "mol-polecat-work.formula.toml").is_file()
    assert (demo_dir() / "gastown_ui.issues.jsonl").is_file()


def test_the_readme_lists_every_key_of_the_control_room() -> None:
    from gastown_tui.ui.key_registry import ALL_KEYS, BROWSER_KEYS, key_display

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [spec.id for spec in ALL_KEYS + BROWSER_KEYS
               if f"| `{key_display(spec.key)}` | {spec.help} |" not in readme]  # fmt: skip
    assert missing == [], "README's control room table is missing these keys"


IMPORT_NAMES = {
    "GitPython": "git"
}  # distribution name -> the module it installs, where they differ


def test_every_dependency_is_listed_in_the_readme_and_imported() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = [re.split(r"[<>=!~ ]", spec, maxsplit=1)[0] for spec in project["dependencies"]]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.findall(
        r"^- `([A-Za-z0-9_.-]+)`: ", readme.split("## Dependencies", 1)[1].split("\n## ")[0], re.M
    )
    assert sorted(listed) == sorted(names), "README's dependency list and pyproject.toml differ"
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "gastown_tui").rglob("*.py"))

    def imported(name: str) -> bool:
        module = IMPORT_NAMES.get(name, name)
        return re.search(rf"^\s*(import|from) {module}\b", sources, re.M) is not None

    unused = [name for name in names if not imported(name)]
    assert unused == [], "these dependencies are never imported"
