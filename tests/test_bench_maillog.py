"""The maillog benchmark (bench/bench_maillog.py) end to end at a tiny size: the generated log is
read and counted by ours and summarised by the real pflogsumm. Not timed: `make bench` writes the
figures."""
from __future__ import annotations

from bench.__main__ import KEYS
from bench.bench_maillog import run


def test_maillog_bench_counts_every_delivery_and_runs_pflogsumm():
    (result,) = run(lines=3_000, rounds=2)
    assert set(KEYS) <= set(result) and result["name"] == "maillog"
    assert result["lines"] >= 3_000 and result["counted_deliveries"] > 0
    assert len(result["ours_rounds_s"]) == len(result["anchor_rounds_s"]) == 2
    assert len(result["load_average_1m"]) == 3
    assert result["pflogsumm_delivered"] and result["ours"] > 0 and result["anchor_value"] > 0
