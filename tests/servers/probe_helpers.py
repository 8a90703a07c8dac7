"""Small helpers shared by the probe tests."""
from __future__ import annotations

import asyncio

from workers.probes import Endpoint, ProbeResult, probe


def check(protocol: str, host: str, port: int | None, **fields) -> ProbeResult:
    fields.setdefault("timeout", 5.0)
    return asyncio.run(probe(Endpoint(protocol, host, port, **fields)))


def assert_up(result: ProbeResult) -> ProbeResult:
    assert result.up, f"{result.endpoint.label()} DOWN: {result.reason}"
    assert result.latency_ms is not None and result.latency_ms >= 0
    return result


def assert_down(result: ProbeResult, reason_part: str) -> ProbeResult:
    assert not result.up, f"{result.endpoint.label()} unexpectedly UP ({result.reason})"
    assert reason_part in result.reason, result.reason
    assert result.latency_ms is None
    return result
