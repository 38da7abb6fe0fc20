"""What every `bd` command handler receives: parsed arguments, the store, and output helpers."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from gastown_tui.core.display_text import visible
from gastown_tui.store import json_codec
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.store.store_paths import StoreNotFoundError, store_at_database

DEFAULT_ACTOR = "overseer"


class CommandError(Exception):
    """A refusal, a missing bead or a failed check: printed on stderr, exit code 1."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class CommandContext:
    args: argparse.Namespace
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    _store: BeadsStore | None = None

    @property
    def json(self) -> bool:
        return bool(getattr(self.args, "json", False))

    @property
    def actor(self) -> str:
        explicit = getattr(self.args, "actor", None)
        return explicit or os.environ.get("BD_ACTOR") or DEFAULT_ACTOR

    @property
    def readonly(self) -> bool:
        return bool(getattr(self.args, "readonly", False))

    @property
    def store(self) -> BeadsStore:
        if self._store is None:
            database = getattr(self.args, "db", None)
            try:
                if database:  # `--db PATH/beads.db`: the store is the directory it lives in
                    self._store = BeadsStore(store_at_database(Path(database)),
                                             report=self.warn, readonly=self.readonly)  # fmt: skip
                else:
                    self._store = BeadsStore.open(Path.cwd(), report=self.warn,
                                                  readonly=self.readonly)  # fmt: skip
            except StoreNotFoundError as error:
                raise CommandError(str(error)) from error
        return self._store

    def use_store(self, store: BeadsStore) -> None:
        self._store = store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def warn(self, message: str) -> None:
        print(visible(message, keep_newlines=True), file=self.stderr)

    def emit_json(self, value: Any) -> None:
        self.stdout.flush()
        data = json_codec.dumps_pretty(value) + b"\n"
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is not None:
            buffer.write(data)
            buffer.flush()
        else:
            self.stdout.write(data.decode())

    def say(self, text: str = "") -> None:
        """Print text output (the caller made untrusted parts visible)."""
        print(text, file=self.stdout)
