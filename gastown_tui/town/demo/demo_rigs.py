"""The demo's two sample repositories: small projects whose real tests (the standard library's
unittest, which a fresh machine's python3 has) run in the Refinery's gate, so a change that breaks
their code goes red."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gastown_tui.core.rig_settings import Gate
from gastown_tui.runtime.git_repo import commit_paths, init_repository
from gastown_tui.town.town_git import commit_identity


@dataclass(frozen=True)
class SampleRig:
    name: str
    prefix: str
    files: dict[str, str]


GREETING_APP = SampleRig("demo-app", "app", {
    "README.md": (
        "# demo-app\n\nA tiny project for the Gas Town demo.\n\n"
        "Run its tests with `python3 -m unittest`.\n"
    ),
    "greeting.py": 'def greet(name: str) -> str:\n    return f"Hello, {name}!"\n',
    "test_greeting.py": (
        "import unittest\n\nfrom greeting import greet\n\n\n"
        "class GreetTest(unittest.TestCase):\n"
        "    def test_greets_by_name(self):\n"
        '        self.assertEqual(greet("town"), "Hello, town!")\n\n'
        "    def test_keeps_the_name_as_given(self):\n"
        '        self.assertEqual(greet("Rig 7"), "Hello, Rig 7!")\n'
    ),
})  # fmt: skip

CALC_LIB = SampleRig("demo-lib", "lib", {
    "README.md": "# demo-lib\n\nArithmetic for the Gas Town demo.\n",
    "calc.py": "def add(a: int, b: int) -> int:\n    return a + b\n",
    "test_calc.py": (
        "import unittest\n\nfrom calc import add\n\n\n"
        "class AddTest(unittest.TestCase):\n"
        "    def test_adds(self):\n"
        "        self.assertEqual(add(2, 3), 5)\n\n"
        "    def test_negative(self):\n"
        "        self.assertEqual(add(-2, 1), -1)\n"
    ),
})  # fmt: skip

SAMPLE_RIGS = (GREETING_APP, CALC_LIB)
# Each demo rig's gate: its real tests, with the standard library alone.
DEMO_GATES = {"test": Gate("test", "python3 -m unittest -q", 120)}


def make_sample_repository(folder: Path, actor: str, sample: SampleRig = GREETING_APP) -> Path:
    init_repository(folder)
    for name, text in sample.files.items():
        (folder / name).write_text(text, encoding="utf-8")
    commit_paths(folder, sorted(sample.files), f"{sample.name}: first commit",
                 commit_identity(folder, actor))  # fmt: skip
    return folder
