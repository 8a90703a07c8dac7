"""The local metrics collector against the real machine and real temporary directories."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timezone
from pathlib import Path

import pytest

from workers.drivers.host import metrics
from workers.drivers.host.metrics import NetCounters

ROOT = Path(__file__).resolve().parents[3]
SIZES = [0, 1, 4096, 10_000, 100_000]


def make_tree(base: Path) -> Path:
    tree = base / "tree"
    (tree / "sub" / "deeper").mkdir(parents=True)
    for i, size in enumerate(SIZES):
        target = tree / ("sub" if i % 2 else "sub/deeper") / f"f{i}.bin"
        target.write_bytes(os.urandom(size))
    return tree


def du_bytes(path: Path) -> int:
    out = subprocess.run(["du", "-sx", "--block-size=1", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])


def test_known_files_give_du_figure_and_count(tmp_path):
    tree = make_tree(tmp_path)
    use = metrics.directory_usage(tree)
    assert use.files == len(SIZES)
    assert use.apparent_bytes == sum(SIZES)
    assert use.dirs == 3
    expected = sum(os.lstat(p).st_blocks * 512 for p in [tree, *tree.rglob("*")])
    assert use.bytes == expected
    assert use.bytes >= sum(SIZES)  # nothing sparse here
    if shutil.which("du"):
        assert use.bytes == du_bytes(tree)
    assert metrics.file_count(tree) == len(SIZES)
    assert (use.vanished, use.denied, use.truncated) == (0, 0, False)


def test_hard_link_counted_once_like_du(tmp_path):
    tree = make_tree(tmp_path)
    before = metrics.directory_usage(tree)
    os.link(tree / "sub" / "f1.bin", tree / "sub" / "again.bin")
    after = metrics.directory_usage(tree)
    assert after.files == before.files + 1
    assert after.bytes == before.bytes
    if shutil.which("du"):
        assert after.bytes == du_bytes(tree)


def test_symlinks_are_not_followed(tmp_path):
    tree = make_tree(tmp_path)
    outside = tmp_path / "outside"
    (outside / "many").mkdir(parents=True)
    big = outside / "big.bin"
    big.write_bytes(os.urandom(2_000_000))
    for i in range(50):
        (outside / "many" / f"{i}").write_bytes(b"x" * 5000)
    baseline = metrics.directory_usage(tree)
    (tree / "link-to-file").symlink_to(big)
    (tree / "link-to-dir").symlink_to(outside)
    (tree / "dangling").symlink_to(tmp_path / "nowhere")
    use = metrics.directory_usage(tree)
    assert use.files == baseline.files + 3       # the links themselves
    assert use.dirs == baseline.dirs             # link-to-dir not entered
    assert use.apparent_bytes == baseline.apparent_bytes
    assert use.bytes < baseline.bytes + 100_000  # big.bin (2 MB) not counted
    if shutil.which("du"):
        assert use.bytes == du_bytes(tree)
    assert metrics.file_count(tree) == baseline.files + 3


def test_missing_root_and_file_root_raise(tmp_path):
    with pytest.raises(FileNotFoundError):
        metrics.directory_usage(tmp_path / "nope")
    (tmp_path / "plain").write_text("x")
    with pytest.raises(NotADirectoryError):
        metrics.directory_usage(tmp_path / "plain")


CHURN = """
import os, shutil, sys, time
base, stop = sys.argv[1], sys.argv[2]
deadline = time.time() + 30
n = 0
while not os.path.exists(stop) and time.time() < deadline:
    d = os.path.join(base, "d%d" % (n % 3))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "inner"), exist_ok=True)
    for i in range(300):
        with open(os.path.join(d, "inner" if i % 2 else "", "f%d" % i), "wb") as fh:
            fh.write(b"x" * 100)
    n += 1
"""


def test_files_vanishing_mid_walk_do_not_crash(tmp_path):
    """Another process deletes and recreates files and directories while we walk: every walk must
    finish, and the test only passes once the race was really hit (vanished > 0)."""
    base = tmp_path / "churn"
    base.mkdir()
    stop = tmp_path / "stop"
    proc = subprocess.Popen([sys.executable, "-c", CHURN, str(base), str(stop)])
    seen_vanished = 0
    walks = 0
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and seen_vanished == 0:
            use = metrics.directory_usage(base)
            metrics.file_count(base)
            walks += 1
            seen_vanished += use.vanished
    finally:
        stop.touch()
        proc.wait(timeout=30)
    assert walks > 0
    assert seen_vanished > 0, "the churn never raced the walk; the test proved nothing"


DROP_AND_WALK = """
import json, os, sys
from workers.drivers.host import metrics  # imported as root: the interpreter may not be world-readable
os.setgroups([]); os.setgid(65534); os.setuid(65534)
u = metrics.directory_usage(sys.argv[1])
print(json.dumps([u.files, u.denied, metrics.file_count(sys.argv[1])]))
"""


def test_unreadable_directory_is_skipped_not_fatal():
    base = Path(tempfile.mkdtemp(prefix="metrics-perm-"))
    try:
        base.chmod(0o755)
        (base / "open").mkdir(mode=0o755)
        (base / "open" / "a").write_text("a")
        (base / "open" / "a").chmod(0o644)
        (base / "closed").mkdir()
        (base / "closed" / "secret").write_text("s")
        (base / "closed").chmod(0o000)
        if os.geteuid() == 0:  # root reads everything: walk as nobody in a child process
            out = subprocess.run([sys.executable, "-c", DROP_AND_WALK, str(base)], cwd=ROOT,
                                 capture_output=True, text=True, timeout=60)
            assert out.returncode == 0, out.stderr
            files, denied, counted = json.loads(out.stdout)
        else:
            u = metrics.directory_usage(base)
            files, denied, counted = u.files, u.denied, metrics.file_count(base)
        assert (files, denied, counted) == (1, 1, 1)
    finally:
        (base / "closed").chmod(0o700)
        shutil.rmtree(base)


def test_max_entries_bounds_the_walk(tmp_path):
    for i in range(30):
        (tmp_path / f"f{i}").write_text("x")
    use = metrics.directory_usage(tmp_path, max_entries=10)
    assert use.truncated and use.files == 10
    assert not metrics.directory_usage(tmp_path, max_entries=30).truncated


def test_partitions_include_the_temp_dir_filesystem(tmp_path):
    parts = metrics.partitions()
    assert parts
    assert not {p.fstype for p in parts} & (metrics.PSEUDO_FSTYPES - {"overlay"})
    assert "/proc" not in {p.mount for p in parts}
    assert len({os.stat(p.mount).st_dev for p in parts}) == len(parts)  # one entry per device
    mine = metrics.partition_of(tmp_path, parts)
    assert mine is not None and mine in parts
    assert os.stat(mine.mount).st_dev == os.stat(tmp_path).st_dev
    vfs = os.statvfs(tmp_path)
    assert mine.total_bytes == vfs.f_blocks * vfs.f_frsize
    for p in parts:
        assert 0 < p.total_bytes and 0 <= p.used_bytes <= p.total_bytes
        assert 0 <= p.inodes_used <= p.inodes_total
        assert 0.0 <= p.used_percent <= 100.0 and 0.0 <= p.inodes_percent <= 100.0


def test_mounts_file_filtering_and_escapes(tmp_path):
    spaced = tmp_path / "a b"
    spaced.mkdir()
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "proc /proc proc rw 0 0\n"
        "sysfs /sys sysfs rw 0 0\n"
        "tmpfs /dev/shm tmpfs rw 0 0\n"
        f"overlay {tmp_path}/elsewhere overlay rw 0 0\n"
        f"/dev/fake {str(spaced).replace(' ', chr(92) + '040')} ext4 rw 0 0\n"
    )
    parts = metrics.partitions(str(mounts))
    assert [(p.mount, p.device, p.fstype) for p in parts] == [(str(spaced), "/dev/fake", "ext4")]
    mounts.write_text("overlay / overlay rw 0 0\nproc /proc proc rw 0 0\n")
    assert [(p.mount, p.fstype) for p in metrics.partitions(str(mounts))] == [("/", "overlay")]


@pytest.mark.parametrize("used,avail,total,percent", [
    (90, 10, 100, 90.0),
    (90, 5, 100, 90 / 95 * 100),  # 5 reserved for root counts as full, like df
    (0, 100, 100, 0.0),
    (0, 0, 0, 0.0),
])
def test_used_percent_like_df(used, avail, total, percent):
    p = metrics.PartitionUse("/x", "d", "ext4", total, used, 10, 5, available_bytes=avail)
    assert p.used_percent == pytest.approx(percent)
    assert p.inodes_percent == 50.0


def test_memory_matches_proc_meminfo():
    text = Path("/proc/meminfo").read_text()
    total_kib = int(re.search(r"^MemTotal:\s+(\d+) kB$", text, re.M).group(1))
    mem = metrics.memory()
    assert mem.total == total_kib * 1024
    assert 0 < mem.available <= mem.total
    assert mem.used == mem.total - mem.available
    avail_kib = re.search(r"^MemAvailable:\s+(\d+) kB$", text, re.M)
    if avail_kib:  # moves a little between two readings
        assert abs(mem.available - int(avail_kib.group(1)) * 1024) < mem.total * 0.05


def test_loopback_counter_grows_after_real_traffic():
    before = {c.interface: c for c in metrics.network()}
    assert "lo" in before
    payload = os.urandom(1_000_000)
    server = socket.create_server(("127.0.0.1", 0))
    received = bytearray()

    def sink():
        conn, _ = server.accept()
        with conn:
            while chunk := conn.recv(65536):
                received.extend(chunk)

    t = threading.Thread(target=sink)
    t.start()
    with socket.create_connection(server.getsockname()) as client:
        client.sendall(payload)
    t.join(timeout=10)
    server.close()
    assert len(received) == len(payload)
    after = {c.interface: c for c in metrics.network()}
    assert after["lo"].rx_bytes - before["lo"].rx_bytes >= len(payload)
    assert after["lo"].tx_bytes - before["lo"].tx_bytes >= len(payload)


def C(name, rx, tx):
    return NetCounters(name, rx, tx)


@pytest.mark.parametrize("previous,current,seconds,expected", [
    # 12.5 MB/s is exactly 100 Mbit/s
    ([C("eth0", 0, 0)], [C("eth0", 12_500_000, 1_250_000)], 1, [("eth0", 12_500_000, 1_250_000, 100.0, 10.0)]),
    ([C("eth0", 1000, 2000)], [C("eth0", 1000 + 600 * 12_500, 2000)], 600,
     [("eth0", 12_500, 0, 0.1, 0.0)]),
    # counter went down (reboot/wrap): no rate; a new interface: no rate
    ([C("eth0", 5000, 5000)], [C("eth0", 10, 6000), C("eth1", 100, 100)], 10, []),
    # over the line (a bonded NIC) is reported as it is, not clamped
    ([C("eth0", 0, 0)], [C("eth0", 25_000_000, 0)], 1, [("eth0", 25_000_000, 0, 200.0, 0.0)]),
    ([C("lo", 0, 0), C("eth0", 0, 0)], [C("lo", 100, 100), C("eth0", 0, 0)], 4,
     [("lo", 25, 25, 0.0002, 0.0002), ("eth0", 0, 0, 0.0, 0.0)]),
    ([], [], 1, []),
])
def test_rates_table(previous, current, seconds, expected):
    got = [(r.interface, r.rx_bytes_per_s, r.tx_bytes_per_s, r.rx_line_percent, r.tx_line_percent)
           for r in metrics.rates(previous, current, seconds)]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g[0] == e[0] and g[1:] == pytest.approx(e[1:])


@pytest.mark.parametrize("seconds", [0, -5])
def test_rates_refuses_non_positive_interval(seconds):
    with pytest.raises(ValueError):
        metrics.rates([], [], seconds)


def test_rates_other_line_speed():
    [r] = metrics.rates([C("eth0", 0, 0)], [C("eth0", 125_000_000, 0)], 1, line_bits_per_second=1_000_000_000)
    assert r.rx_line_percent == pytest.approx(100.0)


def test_collect_bundles_everything(tmp_path):
    home = tmp_path / "home"
    (home / "c1").mkdir(parents=True)
    (home / "c1" / "index.html").write_bytes(os.urandom(10_000))
    (home / "c4" / "www").mkdir(parents=True)
    (home / "c4" / "www" / "a").write_bytes(b"abc")
    snap = metrics.collect(home, {1: home / "c1", 2: home / "c2", 3: Path("/"), 4: Path("c4"),
                                  5: Path("../..")})
    assert snap.taken_at.tzinfo is not None and snap.taken_at.utcoffset() == timezone.utc.utcoffset(None)
    assert set(snap.customers) == {1, 4}
    assert snap.customers[1].files == 1 and snap.customers[1].apparent_bytes == 10_000
    assert snap.customers[4].files == 1 and snap.customers[4].apparent_bytes == 3
    assert set(snap.errors) == {2, 3, 5}
    assert "no such directory" in snap.errors[2] and "outside" in snap.errors[3]
    assert snap.home_partition == metrics.partition_of(home, snap.partitions)
    assert snap.memory.total > 0 and any(n.interface == "lo" for n in snap.network)
    data = json.loads(json.dumps(snap.to_dict()))
    assert data["customers"]["1"]["apparent_bytes"] == 10_000
    assert data["taken_at"].endswith("+00:00")
