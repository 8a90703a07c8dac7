"""ICMP echo probes (icmplib) to loopback."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers.probe_helpers import assert_up, check
from workers.probes.icmp import NOT_PERMITTED

ROOT = Path(__file__).resolve().parents[3]


def test_icmp_loopback_up():
    result = assert_up(check("icmp", "127.0.0.1", None, timeout=5))
    assert result.reason == "3/3 replies"
    assert 0 < result.latency_ms < 1000
    assert result.endpoint.port is None


def test_icmp_ipv6_loopback_up():
    assert_up(check("icmp", "::1", None, timeout=5))


def _ping_group_allows(gid: int) -> bool:
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ping_group_range").read_text().split())
    except (OSError, ValueError):
        return False
    return low <= gid <= high


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv")
def test_icmp_without_raw_socket_permission():
    """A process without CAP_NET_RAW falls back to unprivileged ICMP, or says clearly why it cannot."""
    code = (
        "import json; from workers.probes import Endpoint, run_probes; "
        "r = run_probes([Endpoint('icmp', '127.0.0.1', timeout=5)])[0]; print(json.dumps([r.up, r.reason]))"
    )
    argv = ["setpriv", "--inh-caps=-net_raw", "--bounding-set=-net_raw", sys.executable, "-c", code]
    out = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    up, reason = json.loads(out.stdout.strip().splitlines()[-1])
    if _ping_group_allows(os.getgid()):
        assert up, reason
    else:
        assert (up, reason) == (False, NOT_PERMITTED)
