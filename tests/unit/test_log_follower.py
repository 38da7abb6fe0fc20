"""The log follower on real files and a real watch: it reads only what was appended, leaves a
line being written, and starts over when the log is truncated or replaced by a rename."""

from __future__ import annotations

import os
from pathlib import Path

from gastown_tui.runtime.log_follower import LogChange, LogFollower


def append(log: Path, data: bytes) -> None:
    with log.open("ab") as handle:
        handle.write(data)


def test_polls_report_appends_truncation_and_replacement(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    follower = LogFollower(log)
    assert follower.poll() is None, "no log yet: nothing to say"
    append(log, b"one\ntwo\nthr")
    assert follower.poll() == LogChange(0, 8, 2, False, 11)
    assert follower.poll() is None, "the torn line waits"
    append(log, b"ee\n")
    assert follower.poll() == LogChange(8, 14, 1, False, 14)
    log.write_bytes(b"x\n")  # truncated in place
    assert follower.poll() == LogChange(0, 2, 1, True, 2)
    replacement = tmp_path / "events.jsonl.tmp"
    replacement.write_bytes(b"a\nb\n")
    os.replace(replacement, log)  # longer, so only the inode tells
    assert follower.poll() == LogChange(0, 4, 2, True, 4)
    log.unlink()
    assert follower.poll() == LogChange(0, 0, 0, True, 0)
    append(log, b"old\n")
    skipping = LogFollower(log)
    skipping.start_at_end()
    append(log, b"new\n")
    assert skipping.poll() == LogChange(4, 8, 1, False, 8)


def test_the_watch_wakes_for_the_log_and_a_rename_but_not_other_files(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    log.write_bytes(b"")
    follower = LogFollower(log)
    follower.start()
    try:
        follower.wait(0.3)  # the watch is set up; forget anything from before
        (tmp_path / "beads.db").write_bytes(b"projection")
        assert follower.wait(0.5) is False, "the projection's files do not count"
        append(log, b"line\n")
        assert follower.wait(10) is True
        replacement = tmp_path / "events.jsonl.tmp"
        replacement.write_bytes(b"other\n")
        follower.wait(0.3)
        os.replace(replacement, log)
        assert follower.wait(10) is True
        change = follower.poll()
        assert change is not None and change.reset is False and change.lines == 1
    finally:
        follower.close()


def test_an_unreadable_log_is_nothing_to_report_not_a_crash(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    log.mkdir()  # open() fails as for an unreadable file, even as root
    follower = LogFollower(log)
    follower.start_at_end()
    assert follower.poll() is None
    log.rmdir()
    append(log, b"back\n")
    change = follower.poll()
    assert change is not None and (change.start, change.lines) == (0, 1)
