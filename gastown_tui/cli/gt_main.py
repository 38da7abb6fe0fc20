"""`gt`: the Gas Town workspace manager. Exit codes: 0 ok, 1 refused or failed, 2 usage."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from gastown_tui.cli.command_runner import run_handler
from gastown_tui.cli.gt_context import GtContext
from gastown_tui.cli.gt_parser import build_parser
from gastown_tui.core.town_settings import SettingsError
from gastown_tui.runtime.git_repo import GitError
from gastown_tui.runtime.tmux_server import TmuxError
from gastown_tui.store.store_config import ConfigError
from gastown_tui.town.town import TownError

FAILURES: dict[type[Exception], int] = {
    TownError: 1,
    SettingsError: 1,
    ConfigError: 1,
    TmuxError: 1,
    GitError: 1,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    return run_handler("gt", GtContext(args), FAILURES, multiline_failures=True)


if __name__ == "__main__":
    sys.exit(main())
