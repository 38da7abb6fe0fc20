"""Rolling a failed SQLite transaction back without hiding why it failed."""

from __future__ import annotations

import sqlite3


def roll_back(connection: sqlite3.Connection, error: BaseException) -> None:
    """ROLLBACK after `error`, which the caller then re-raises.

    SQLite ends some transactions by itself (a full disk, an I/O error, an interrupt): the
    ROLLBACK then fails too ("no transaction is active"). Raised from here, that second error
    would replace the one that explains what went wrong; it is noted on `error` instead.
    """
    try:
        connection.execute("ROLLBACK")
    except sqlite3.Error as failure:
        error.add_note(f"the ROLLBACK after this error failed too: {failure}")
