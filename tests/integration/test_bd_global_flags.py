"""Global flags anywhere on the line, the real CLI's no-op flags, `--readonly`, `BEADS_DB`,
`bd version`, and clear errors for unknown commands and flags (issue 15)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bd_helpers import refused

if TYPE_CHECKING:
    from conftest import BdRunner


def test_json_before_the_command_is_not_overwritten(bd: BdRunner) -> None:
    created = bd("--json", "create", "first").json()
    assert created["title"] == "first"
    shown = bd("--json", "show", created["id"]).json()
    assert [item["id"] for item in shown] == [created["id"]]
    assert bd("--json", "list").json()[0]["id"] == created["id"]


def test_actor_before_the_command_is_the_one_recorded(bd: BdRunner) -> None:
    created = bd("--actor", "zed", "create", "by zed", "--json").json()
    assert created["created_by"] == "zed"
    assert bd.events()[-1]["actor"] == "zed"
    bd("update", created["id"], "--priority", "1", "--actor", "amy")
    assert bd.events()[-1]["actor"] == "amy"


def test_the_real_clis_daemon_and_sync_flags_are_accepted(bd: BdRunner) -> None:
    created = bd("create", "x", "--json", "--no-daemon", "--no-auto-flush",
                 "--no-auto-import").json()  # fmt: skip
    listed = bd("--no-daemon", "--no-auto-import", "list", "--json").json()
    assert [item["id"] for item in listed] == [created["id"]]


def test_readonly_refuses_writes_and_allows_reads(bd: BdRunner) -> None:
    created = bd("create", "x", "--json").json()
    stderr = refused(bd, "--readonly", "create", "y")
    assert "read-only" in stderr
    refused(bd, "update", created["id"], "--priority", "0", "--readonly")
    refused(bd, "close", created["id"], "--readonly")
    assert bd("--readonly", "show", created["id"], "--json").json()[0]["id"] == created["id"]


def test_beads_db_names_the_store(bd: BdRunner) -> None:
    created = bd("create", "x", "--json").json()
    elsewhere = bd.cwd.parent / "elsewhere"
    elsewhere.mkdir()
    env = dict(bd.env, BEADS_DB=str(bd.beads_dir / "beads.db"))
    from conftest import BdRunner as Runner

    runner = Runner(elsewhere, env)
    assert runner("show", created["id"], "--json").json()[0]["id"] == created["id"]
    by_flag = Runner(elsewhere, bd.env)
    shown = by_flag("--db", str(bd.beads_dir / "beads.db"), "show", created["id"], "--json")
    assert shown.json()[0]["id"] == created["id"]


def test_version_reports_the_beads_interface_and_ours(bd: BdRunner) -> None:
    text = bd("version").stdout
    first = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    assert first is not None and tuple(map(int, first.groups())) >= (0, 9, 0)
    assert "gastown_tui" in text
    data = bd("version", "--json").json()
    assert data["version"] == first.group(0)
    assert data["gastown_tui_version"]
    assert bd("--json", "version").json() == data


def test_unknown_commands_and_flags_are_usage_errors(bd: BdRunner) -> None:
    for args in (("frobnicate",), ("list", "--bogus"), ("show",)):
        result = bd(*args, check=False)
        assert result.returncode == 2, (args, result.stderr)
        assert "error:" in result.stderr and result.stdout == ""
    assert "invalid choice: 'frobnicate'" in bd("frobnicate", check=False).stderr
