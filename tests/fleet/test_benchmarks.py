"""The two fleet benchmarks (bench/bench_apply_latency.py, bench/bench_fanout.py) run end to end at
a tiny size: real sshd hosts, the real jobs, the result a `make bench` run writes. Not timed:
the figures come from `make bench`."""
from __future__ import annotations

from bench.__main__ import KEYS
from bench.bench_apply_latency import run as apply_latency
from bench.bench_fanout import run as fanout
from tests.fleet.hosts import ip
from tests.workers.drivers.local_helpers import need_tool


def namespaces(suffix: str) -> set[str]:
    """The network namespaces of the benchmarks' hosts (other runs on the machine make their own)."""
    return {name for name in ip("netns", "list", check=False).stdout.split() if name.endswith(suffix)}


def test_apply_latency_saves_a_domain_and_sees_it_applied_on_both_transports(redis_url):
    need_tool("nginx")
    before = namespaces("-apply")
    (result,) = apply_latency(sizes=(6,), rounds=1, redis_url=redis_url)
    assert set(KEYS) <= set(result) and result["name"] == "apply_latency"
    # every round saved a domain that came out applied with its file on the server (checked inside)
    for transport in ("local", "ssh"):
        assert len(result["by_sites"]["6"][transport]["rounds_s"]) == 1
    assert result["ours"] == result["by_sites"]["6"]["ssh"]["median_s"] > 0
    assert result["anchor_value"] == 30.0
    assert namespaces("-apply") == before  # the host's namespace is gone again


def test_fanout_pushes_the_lock_list_to_every_server_over_one_connection_each(redis_url):
    need_tool("postmap")
    before = namespaces("-all")
    (result,) = fanout(count=3, rounds=2, redis_url=redis_url)
    assert set(KEYS) <= set(result) and result["name"] == "fanout"
    assert result["connections_rounds"] == [3, 3]
    assert result["connections_per_server_rounds"] == [[1], [1]]
    assert result["met"] is True and result["ours"] == result["anchor_value"] == 3
    assert namespaces("-all") == before  # the shared namespace of the 3 hosts is gone again
