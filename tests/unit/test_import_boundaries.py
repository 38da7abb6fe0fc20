"""The `bd` path stays light, and `core`/`store` never load UI, tmux, git or API libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("textual", "rich", "anthropic", "libtmux", "git")


def _loaded_after(module: str) -> set[str]:
    code = f"import sys, {module}\nprint('\\n'.join(sorted(m.split('.')[0] for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_bd_command_line_loads_no_heavy_library() -> None:
    loaded = _loaded_after("gastown_tui.cli.bd_main")
    assert "gastown_tui" in loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_core_and_store_load_no_heavy_library() -> None:
    for module in ("gastown_tui.core.fold", "gastown_tui.store.beads_store"):
        loaded = _loaded_after(module)
        assert not loaded & set(HEAVY), (module, loaded & set(HEAVY))


def test_a_module_over_300_lines_says_why_in_its_docstring() -> None:
    import ast
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    modules = [*(root / "gastown_tui").rglob("*.py"), *(root / "benchmarks").glob("*.py")]
    silent = []
    for path in modules:
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= 300:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if not re.search(r"over 300 lines|\d{3} lines", doc):
            silent.append(str(path.relative_to(root)))
    assert silent == [], "these modules are over 300 lines and their docstring does not say why"
