"""Atomic writes and the all-or-nothing config transaction, on the real file system."""
from __future__ import annotations

import os

import pytest

from workers.drivers.host.files import ConfigTransaction
from workers.drivers.transport.local import atomic_write, locked


class Refused(Exception):
    pass


def refuse():
    raise Refused("validator said no")


def test_atomic_write_sets_content_and_mode_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "sub" / "file.conf"
    atomic_write(target, "one\n", 0o640)
    atomic_write(target, b"two\n", 0o600)
    assert target.read_bytes() == b"two\n"
    assert target.stat().st_mode & 0o7777 == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.conf"]


def test_atomic_write_gives_the_group(tmp_path):
    import grp

    target = tmp_path / "secret"
    atomic_write(target, "x", 0o640)
    other = next((g.gr_gid for g in grp.getgrall() if g.gr_gid != target.stat().st_gid), None)
    if other is None or os.geteuid() != 0 and other not in os.getgroups():
        pytest.skip("no second group this user may give files to")
    atomic_write(target, "x", 0o640, other)
    assert target.stat().st_gid == other
    assert target.stat().st_mode & 0o7777 == 0o640


def _setup(tmp_path):
    keep, change, drop = tmp_path / "keep.conf", tmp_path / "change.conf", tmp_path / "drop.conf"
    keep.write_bytes(b"keep\x00bytes\n")
    change.write_bytes(b"old\r\nbytes")
    change.chmod(0o600)
    drop.write_bytes(b"to be removed")
    return keep, change, drop


def test_failed_validation_restores_every_file_exactly(tmp_path):
    keep, change, drop = _setup(tmp_path)
    before = {p.name: (p.read_bytes(), p.stat().st_mode & 0o7777) for p in tmp_path.iterdir()}
    tx = ConfigTransaction()
    tx.write(keep, b"keep\x00bytes\n")
    tx.write(change, "new", 0o644)
    tx.write(tmp_path / "new" / "fresh.conf", "fresh")
    tx.remove(drop)
    seen = {}

    def validator():  # sees the new state while it runs
        seen["change"] = change.read_text()
        seen["fresh"] = (tmp_path / "new" / "fresh.conf").exists()
        seen["drop"] = drop.exists()
        refuse()

    with pytest.raises(Refused):
        tx.commit(validator)
    assert seen == {"change": "new", "fresh": True, "drop": False}
    after = {p.name: (p.read_bytes(), p.stat().st_mode & 0o7777) for p in tmp_path.iterdir() if p.is_file()}
    assert after == before
    assert not (tmp_path / "new" / "fresh.conf").exists()


def test_guarded_files_rewritten_by_the_validator_come_back(tmp_path):
    source, compiled = tmp_path / "map", tmp_path / "map.db"
    source.write_text("a b\n")
    compiled.write_bytes(b"\x01compiled-old")
    tx = ConfigTransaction()
    tx.write(source, "a c\n")
    tx.guard(compiled)
    tx.guard(tmp_path / "other.db")  # did not exist: must not exist afterwards

    def validator():
        compiled.write_bytes(b"half-written")
        (tmp_path / "other.db").write_bytes(b"junk")
        refuse()

    with pytest.raises(Refused):
        tx.commit(validator)
    assert compiled.read_bytes() == b"\x01compiled-old"
    assert source.read_text() == "a b\n"
    assert not (tmp_path / "other.db").exists()


def test_failure_while_writing_rolls_back_what_was_already_written(tmp_path):
    first = tmp_path / "a.conf"
    first.write_text("old")
    (tmp_path / "b.conf").mkdir()  # a directory where a file should go: the write fails
    tx = ConfigTransaction()
    tx.write(first, "new")
    tx.write(tmp_path / "b.conf", "cannot")
    with pytest.raises(OSError):
        tx.commit()
    assert first.read_text() == "old"


def test_success_reports_changes_and_a_second_run_changes_nothing(tmp_path):
    for attempt in (1, 2):
        tx = ConfigTransaction()
        tx.write(tmp_path / "a.conf", "same")
        tx.write(tmp_path / "b.conf", "same", 0o600)
        tx.remove(tmp_path / "never-existed")
        changed = tx.commit(lambda: None)
        if attempt == 1:
            assert sorted(p.name for p in changed) == ["a.conf", "b.conf"]
        else:
            assert changed == []
    tx = ConfigTransaction()
    tx.write(tmp_path / "b.conf", "same", 0o640)  # a mode change alone is a change
    assert [p.name for p in tx.commit()] == ["b.conf"]


def test_lock_is_exclusive(tmp_path):
    import fcntl

    with locked(tmp_path):
        with open(tmp_path / ".lock") as handle:
            with pytest.raises(BlockingIOError):
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(tmp_path / ".lock") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_a_fed_command_that_says_much_on_stderr_does_not_hang_and_its_last_words_are_the_reason():
    """A command answering each line with a long error (as a database client echoes a failed
    statement) while we go on writing: its errors are read as we write, the write finishes, and the
    failure carries the end of what it said, not megabytes."""
    import sys

    from workers.drivers.transport.local import LOCAL

    echo_to_stderr = ("import sys\nfor line in sys.stdin: sys.stderr.write(line * 50)\n"
                      "sys.stderr.write('ERROR last\\n'); sys.exit(1)")
    with pytest.raises(OSError) as refused:
        with LOCAL.feed([sys.executable, "-c", echo_to_stderr], timeout=60) as sink:
            for _ in range(2000):
                sink.write(b"x" * 1000 + b"\n")
    assert "ERROR last" in str(refused.value) and len(str(refused.value)) < 70_000
