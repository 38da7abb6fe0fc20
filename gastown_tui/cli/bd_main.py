"""`bd`: the beads command line. Exit codes: 0 ok, 1 refused or not found, 2 usage."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from gastown_tui.cli.bd_parser import build_parser, expand_aliases
from gastown_tui.cli.bead_fields import FieldError
from gastown_tui.cli.command_context import CommandContext
from gastown_tui.cli.command_runner import run_handler
from gastown_tui.store.beads_store import ReadOnlyStoreError
from gastown_tui.store.store_config import ConfigError


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(expand_aliases(list(sys.argv[1:] if argv is None else argv)))
    failures = {FieldError: 2, ConfigError: 1, ReadOnlyStoreError: 1}
    return run_handler("bd", CommandContext(args), failures, multiline_failures=False)


if __name__ == "__main__":
    sys.exit(main())
