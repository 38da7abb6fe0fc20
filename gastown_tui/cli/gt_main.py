"""`gt`: the Gas Town workspace manager. Exit codes: 0 ok, 1 refused or failed, 2 usage."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

from gastown_tui.cli.command_context import CommandError
from gastown_tui.cli.gt_context import GtContext
from gastown_tui.cli.gt_parser import build_parser
from gastown_tui.core.display_text import visible
from gastown_tui.core.town_settings import SettingsError
from gastown_tui.runtime.git_repo import GitError
from gastown_tui.runtime.tmux_server import TmuxError
from gastown_tui.store.store_config import ConfigError
from gastown_tui.town.town import TownError


def _resolve(handler: str) -> Callable[[GtContext], None]:
    module_name, _, function = handler.partition(":")
    module = importlib.import_module(f"gastown_tui.cli.{module_name}")
    resolved: Callable[[GtContext], None] = getattr(module, function)
    return resolved


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    ctx = GtContext(args)
    try:
        _resolve(args.handler)(ctx)
    except CommandError as error:
        print(f"gt: {visible(str(error), keep_newlines=True)}", file=sys.stderr)
        return error.code
    except (TownError, SettingsError, ConfigError, TmuxError, GitError) as error:
        print(f"gt: {visible(str(error), keep_newlines=True)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    finally:
        ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
