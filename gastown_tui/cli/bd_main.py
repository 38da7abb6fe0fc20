"""`bd`: the beads command line. Exit codes: 0 ok, 1 refused or not found, 2 usage."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

from gastown_tui.cli.bd_parser import build_parser, expand_aliases
from gastown_tui.cli.bead_fields import FieldError
from gastown_tui.cli.command_context import CommandContext, CommandError
from gastown_tui.core.display_text import visible
from gastown_tui.store.store_config import ConfigError


def _resolve(handler: str) -> Callable[[CommandContext], None]:
    """`module:function` inside gastown_tui.cli → the function."""
    module_name, _, function = handler.partition(":")
    module = importlib.import_module(f"gastown_tui.cli.{module_name}")
    resolved: Callable[[CommandContext], None] = getattr(module, function)
    return resolved


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(expand_aliases(list(sys.argv[1:] if argv is None else argv)))
    ctx = CommandContext(args)
    try:
        _resolve(args.handler)(ctx)
    except CommandError as error:
        print(f"bd: {visible(str(error), keep_newlines=True)}", file=sys.stderr)
        return error.code
    except FieldError as error:
        print(f"bd: {visible(str(error))}", file=sys.stderr)
        return 2
    except ConfigError as error:
        print(f"bd: {visible(str(error))}", file=sys.stderr)
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
