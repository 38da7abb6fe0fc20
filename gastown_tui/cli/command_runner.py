"""Running one command handler for `bd` or `gt`: find it by name, call it, turn a refusal into
a message on stderr and an exit code (0 ok, 1 refused or failed, 2 usage, 130 interrupted).

Handlers are named `module:function` inside gastown_tui.cli, so a command loads only its own
module (the `bd` path stays free of what it does not use).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

from gastown_tui.cli.command_context import CommandContext, CommandError
from gastown_tui.core.display_text import visible


def resolve(handler: str) -> Callable[[Any], None]:
    """`module:function` inside gastown_tui.cli → the function."""
    module_name, _, function = handler.partition(":")
    module = importlib.import_module(f"gastown_tui.cli.{module_name}")
    resolved: Callable[[Any], None] = getattr(module, function)
    return resolved


def run_handler(prog: str, ctx: CommandContext, failures: Mapping[type[Exception], int], *,
                multiline_failures: bool) -> int:  # fmt: skip
    """Run `ctx.args.handler`; `failures` maps the other expected errors to their exit codes."""
    try:
        resolve(ctx.args.handler)(ctx)
    except CommandError as error:
        print(f"{prog}: {visible(str(error), keep_newlines=True)}", file=sys.stderr)
        return error.code
    except tuple(failures) as error:
        print(f"{prog}: {visible(str(error), keep_newlines=multiline_failures)}", file=sys.stderr)
        return next(code for kind, code in failures.items() if isinstance(error, kind))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    finally:
        ctx.close()
    return 0
