"""Sessions and gates run in the user's environment (DESIGN §5): the user's `python3`, with only
`gt` and `bd` added in front of PATH (`.runtime/bin/`), nothing of gt's own venv.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from refinery_town import git_quiet, in_process_town
from town_fixtures import TownRunner, create_bead, eventually

from gastown_tui.core.rig_settings import parse_rig_settings, rig_toml_text
from gastown_tui.runtime.user_environment import ensure_command_links
from gastown_tui.town.refinery.merger import Refinery
from gastown_tui.town.refinery.queue_runner import run_refinery
from gastown_tui.town.work.sling import sling

USER_TEST = (
    "import unittest\n\nimport only_user_has_this\n\n\n"
    "class UserTest(unittest.TestCase):\n"
    "    def test_the_users_module(self):\n"
    "        self.assertEqual(only_user_has_this.ANSWER, 42)\n"
)


def make_user_python(folder: Path) -> Path:
    """A `bin/` whose `python3` is "the user's": the only interpreter that can import
    `only_user_has_this` (gt's venv python cannot)."""
    library, bin_dir = folder / "user-lib", folder / "user-bin"
    library.mkdir(parents=True)
    bin_dir.mkdir()
    (library / "only_user_has_this.py").write_text("ANSWER = 42\n")
    python = bin_dir / "python3"
    real = os.path.realpath(sys.executable)
    python.write_text(f'#!/bin/sh\nPYTHONPATH={library} exec {real} "$@"\n')
    python.chmod(0o755)
    return bin_dir


def test_a_rig_needing_the_users_python_lands_and_sessions_see_the_users_python3(
    town_factory: Callable[..., TownRunner], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = town_factory()
    source = tmp_path / "src"
    source.mkdir()
    (source / "test_user.py").write_text(USER_TEST)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        git_quiet(source, *args, env=runner.env)
    runner.gt("rig", "add", "demo", str(source), "--prefix", "dm", "--runtime", "sim",
              "--gate", "test=python3 -m unittest -q", "--no-gate-check")  # fmt: skip
    probe = tmp_path / "probe.txt"
    script = (f"{{ command -v python3; command -v gt; command -v bd; echo \"$PATH\"; "
              f"echo \"venv=${{VIRTUAL_ENV-unset}}\"; bd --version; }} > {probe}.tmp 2>&1; "
              f"mv {probe}.tmp {probe}")  # fmt: skip
    rig_toml = runner.root / "rigs" / "demo" / "rig.toml"
    settings = parse_rig_settings(rig_toml.read_text(), str(rig_toml))
    probing = dataclasses.replace(settings, claude_command=("/bin/sh", "-c", script))
    rig_toml.write_text(rig_toml_text(probing))
    user_bin = make_user_python(tmp_path)
    # The user's PATH does not hold gt's venv; they activated it once (VIRTUAL_ENV) to run gt.
    environ = {**runner.env, "PATH": f"{user_bin}{os.pathsep}/usr/bin{os.pathsep}/bin",
               "VIRTUAL_ENV": sys.prefix}  # fmt: skip
    town = in_process_town(runner, monkeypatch, environ)
    try:
        work, look = create_bead(runner, "Use the user's module"), create_bead(runner, "Look")
        # A sim worker: it calls `gt` and `bd` by name, so it only gets through `.runtime/bin`.
        sling(town, work, "demo", formula="mol-polecat-work", variables={}, runtime="sim",
              force=False, actor="overseer")  # fmt: skip

        def handed_over() -> bool:
            town.store.projection.catch_up()
            record = town.store.get(work)
            return record is not None and record["status"] == "in_progress"

        eventually(handed_over, what="the sim worker's gt done")
        outcomes = run_refinery(Refinery(town, "demo"), once=True)
        assert [(o.result, o.bugs) for o in outcomes] == [("merged", [])]
        # A session of the town, started by the engine, with a shell as its agent.
        sling(town, look, "demo", formula="mol-polecat-work", variables={}, runtime="claude",
              force=False, actor="overseer")  # fmt: skip
        lines = eventually(lambda: probe.exists() and probe.read_text().splitlines(),
                           what="the probe")  # fmt: skip
        links = runner.root / ".runtime" / "bin"
        assert lines[0] == str(user_bin / "python3")
        assert lines[1:3] == [str(links / "gt"), str(links / "bd")]
        assert lines[3].split(os.pathsep) == [str(links), str(user_bin), "/usr/bin", "/bin"]
        assert lines[4] == "venv=unset"
        assert lines[5].startswith("bd ")
        assert sorted(p.name for p in links.iterdir()) == ["bd", "gt"]
    finally:
        town.close()


def test_command_links_fall_back_to_a_wrapper_without_a_console_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_python = tmp_path / "venv" / "bin" / "python3"
    fake_python.parent.mkdir(parents=True)
    fake_python.symlink_to(os.path.realpath(sys.executable))
    monkeypatch.setattr(sys, "executable", str(fake_python))
    links = tmp_path / "links"
    ensure_command_links(links)
    ensure_command_links(links)  # idempotent
    for name, module in (("gt", "gt_main"), ("bd", "bd_main")):
        text = (links / name).read_text()
        assert not (links / name).is_symlink() and f"-m gastown_tui.cli.{module}" in text
        assert os.access(links / name, os.X_OK)
