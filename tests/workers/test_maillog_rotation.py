"""issue 20: the mail-log reader follows logrotate's date suffix (``maillog-20261224``, Red Hat's
default) and gzip-compressed predecessors (compressed by the real ``gzip``) without losing a line
or counting one twice."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.workers.test_maillog import keys, per_account, run, scenario, write
from workers.maillog_rotation import rotated_names


def gzip(path: Path) -> None:
    if shutil.which("gzip") is None:
        pytest.fail("gzip is not installed")
    subprocess.run(["gzip", "-9", str(path)], check=True, timeout=60)


def read_all(log: Path, state: dict | None):
    events, flags = [], {"rotated": False, "lost": False}
    for _ in range(20):
        result, state = run(log, state)
        events += result.events
        flags["rotated"] |= result.rotated
        flags["lost"] |= result.lost_rotated_tail
        if not result.more:
            break
    return events, state, flags


@pytest.mark.parametrize("compress", [False, True], ids=["dateext", "dateext-gzip"])
def test_date_suffixed_rotation_loses_nothing(tmp_path, compress):
    lines, expected = scenario()
    log = tmp_path / "maillog"
    write(log, lines[:400])
    first, state, _ = read_all(log, None)
    write(log, lines[400:700])  # the unread tail
    rotated = tmp_path / "maillog-20261224"
    os.rename(log, rotated)
    if compress:
        gzip(rotated)
    write(log, lines[700:], mode="w")
    second, state, flags = read_all(log, state)
    every = first + second
    assert flags["rotated"] and not flags["lost"]
    assert len(set(keys(every))) == len(every) and per_account(every) == expected
    assert read_all(log, state)[0] == []


def test_debian_delaycompress_rotated_twice_reads_the_gz_then_the_one(tmp_path):
    """``mail.log`` → ``.1`` → ``.2.gz`` with no run between: both predecessors are read."""
    lines, expected = scenario()
    log = tmp_path / "mail.log"
    write(log, lines[:300])
    first, state, _ = read_all(log, None)
    write(log, lines[300:500])
    os.rename(log, tmp_path / "mail.log.1")
    write(log, lines[500:800], mode="w")
    os.rename(tmp_path / "mail.log.1", tmp_path / "mail.log.2")
    gzip(tmp_path / "mail.log.2")
    os.rename(log, tmp_path / "mail.log.1")
    write(log, lines[800:], mode="w")
    second, state, flags = read_all(log, state)
    every = first + second
    assert flags["rotated"] and not flags["lost"]
    assert len(set(keys(every))) == len(every) and per_account(every) == expected


def test_a_compressed_log_of_another_day_is_not_taken_for_ours(tmp_path):
    lines, _ = scenario()
    log = tmp_path / "maillog"
    write(tmp_path / "maillog-20261201", lines[-50:], mode="w")
    gzip(tmp_path / "maillog-20261201")  # an old archive with other first bytes
    write(log, lines[:100])
    _, state, _ = read_all(log, None)
    write(log, lines[100:200])
    os.rename(log, tmp_path / "maillog-20261224")
    write(log, lines[200:300], mode="w")
    os.unlink(tmp_path / "maillog-20261224")  # our file is gone for good
    events, _, flags = read_all(log, state)
    assert flags["lost"] and events  # reported; the new log read
    archive = "".join(lines[-50:])
    assert not [e for e in events if e.queue_id in archive]  # nothing of the old archive counted


def test_rotated_names_newest_first(tmp_path):
    from workers.drivers.transport.local import LOCAL

    for name in ("maillog-20261222.gz", "maillog-20261224", "maillog-20261223.gz", "maillog.bak", "other-20261224"):
        (tmp_path / name).write_text("")
    assert [Path(n).name for n in rotated_names(str(tmp_path / "maillog"), LOCAL)] == [
        "maillog-20261224", "maillog-20261223.gz", "maillog-20261222.gz"]
    for name in ("mail.log.1", "mail.log.2.gz", "mail.log.10.gz"):
        (tmp_path / name).write_text("")
    assert [Path(n).name for n in rotated_names(str(tmp_path / "mail.log"), LOCAL)] == [
        "mail.log.1", "mail.log.2.gz", "mail.log.10.gz"]
