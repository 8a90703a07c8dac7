"""Monitoring probes: one async check per protocol family, one result type.

    probe(endpoint)                 -> ProbeResult        (never raises for a failed service)
    probe_many(endpoints, 200)      -> list[ProbeResult]  (same order; bounded concurrency)
    run_probes(endpoints, 200)      -> list[ProbeResult]  (sync, for RQ jobs; one event loop per
                                                           core for a large batch: shards.py)

Every probe runs under asyncio.timeout(endpoint.timeout), so one hung peer costs at most its own
timeout and never holds up the others.
"""
from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable

from . import databases, ftp, http, icmp, mail, shards
from .result import DEFAULT_PORTS, Endpoint, ProbeFailure, ProbeResult, TlsInfo, Up

__all__ = ["Endpoint", "ProbeResult", "PROTOCOLS", "probe", "probe_many", "run_probes"]

CHECKS: dict[str, Callable[[Endpoint], Awaitable[Up]]] = {
    "icmp": icmp.check_icmp,
    "http": http.check_http,
    "https": http.check_https,
    "ftp": ftp.check_ftp,
    "ftps": ftp.check_ftps,
    "smtp": mail.check_smtp,
    "smtps": mail.check_smtps,
    "pop3": mail.check_pop3,
    "pop3s": mail.check_pop3s,
    "imap": mail.check_imap,
    "imaps": mail.check_imaps,
    "postgresql": databases.check_postgresql,
    "mysql": databases.check_mysql,
}
PROTOCOLS = tuple(CHECKS)
MAX_REASON = 200


def reason_for(exc: BaseException) -> str:
    """A short, stable reason for an exception raised while probing."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate: {exc.verify_message or exc.reason}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS: {exc.reason or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset by peer"
    if isinstance(exc, (asyncio.IncompleteReadError, EOFError, ConnectionAbortedError, BrokenPipeError)):
        return "connection closed by peer"
    if isinstance(exc, socket.gaierror):
        return f"DNS: {exc.strerror or exc}"
    if isinstance(exc, TimeoutError):
        return "connection timed out"
    if isinstance(exc, OSError):
        text = str(exc)
        # open_connection tried several addresses (e.g. ::1 and 127.0.0.1) and all failed
        if text.startswith("Multiple exceptions") and text.count("[Errno 111]") == text.count("[Errno"):
            return "connection refused"
        return (exc.strerror or text or type(exc).__name__).lower()
    return f"{type(exc).__name__}: {exc}"


def _result(endpoint: Endpoint, up: bool, reason: str, tls: TlsInfo | None, latency: float | None = None):
    return ProbeResult(
        endpoint=endpoint,
        up=up,
        latency_ms=latency,
        reason=reason[:MAX_REASON],
        tls_expires=tls.expires if tls else None,
        tls_verified=tls.verified if tls else None,
    )


async def probe(endpoint: Endpoint) -> ProbeResult:
    """Check one endpoint under its hard timeout; a failed service is a DOWN result, not an error."""
    check = CHECKS.get(endpoint.protocol)
    if check is None:
        return _result(endpoint, False, f"unknown protocol {endpoint.protocol!r}", None)
    if endpoint.port is None and DEFAULT_PORTS.get(endpoint.protocol) is not None:
        return _result(endpoint, False, "no port", None)
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = asyncio.timeout(endpoint.timeout)
    try:
        async with deadline:
            outcome = await check(endpoint)
    except ProbeFailure as failure:
        return _result(endpoint, False, failure.reason, failure.tls)
    except TimeoutError as exc:
        reason = f"timeout after {endpoint.timeout:g}s" if deadline.expired() else reason_for(exc)
        return _result(endpoint, False, reason, None)
    except Exception as exc:  # noqa: BLE001 - every other failure is a DOWN with its reason
        # A certificate that failed verification is reported as such (expiry unknown: no cert kept).
        tls = TlsInfo(None, False) if isinstance(exc, ssl.SSLCertVerificationError) else None
        return _result(endpoint, False, reason_for(exc), tls)
    latency = outcome.latency_ms
    if latency is None:
        latency = round((loop.time() - started) * 1000.0, 3)
    return _result(endpoint, True, outcome.reason, outcome.tls, latency)


async def probe_many(endpoints: Iterable[Endpoint], concurrency: int = 200) -> list[ProbeResult]:
    """Probe all endpoints, at most `concurrency` at a time; results come back in input order.

    `concurrency` workers take the next endpoint as soon as they are free (one task per worker,
    not one per endpoint waiting on a semaphore)."""
    batch = list(endpoints)
    results: list[ProbeResult | None] = [None] * len(batch)
    queue = iter(enumerate(batch))

    async def worker() -> None:
        for position, endpoint in queue:
            results[position] = await probe(endpoint)

    await asyncio.gather(*(worker() for _ in range(min(max(1, int(concurrency)), len(batch)))))
    return _every_position(results)


def _every_position(results: list[ProbeResult | None]) -> list[ProbeResult]:
    """The results in input order, once every endpoint's has been filled in."""
    filled = [result for result in results if result is not None]
    assert len(filled) == len(results)  # each endpoint is probed exactly once, and probe() always answers
    return filled


def _loop_factory():
    """uvloop's event loop when installed (about a sixth less CPU per check than asyncio's)."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _run_loop(coro):
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(coro)


def _probe_on_own_loop(endpoints: list[Endpoint], concurrency: int) -> list[ProbeResult]:
    return _run_loop(probe_many(endpoints, concurrency))


async def _probe_and_collect(endpoints: list[Endpoint], concurrency: int, children) -> list[ProbeResult]:
    own, *_ = await asyncio.gather(probe_many(endpoints, concurrency), *(shards.collect(c) for c in children))
    assert own is not None  # probe_many's list; only the collectors return None
    return own


def run_probes(endpoints: Iterable[Endpoint], concurrency: int = 200,
               processes: int | None = None) -> list[ProbeResult]:
    """Synchronous entry point for RQ jobs (which run outside any event loop).

    A batch large enough is spread over `processes` event loops (default: one per core), with
    `concurrency` probes in flight in all of them together; results come back in input order.
    """
    batch = list(endpoints)
    count = shards.shard_count(len(batch), concurrency, processes)
    if count == 1:
        return _probe_on_own_loop(batch, concurrency)
    (own_positions, own_concurrency), *others = shards.split(batch, concurrency, count)
    try:
        children = shards.fork_children(batch, others, _probe_on_own_loop)
    except OSError:  # no process to spare (EAGAIN, ENOMEM): the whole batch on this loop
        return _probe_on_own_loop(batch, concurrency)
    try:
        own = _run_loop(_probe_and_collect([batch[i] for i in own_positions], own_concurrency, children))
    except BaseException:
        shards.reap(children, kill=True)
        raise
    statuses = shards.reap(children)
    results: list[ProbeResult | None] = [None] * len(batch)
    for position, result in zip(own_positions, own):
        results[position] = result
    for child in children:
        for position, result in zip(child.positions, shards.outcomes(child, batch, statuses[child.pid])):
            results[position] = result
    return _every_position(results)
