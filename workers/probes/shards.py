"""One event loop per core: a large batch is split into shards, each probed by its own process.

One event loop runs on one core, and a check is CPU work (mostly the client's side of the TLS
handshake), so a big batch on one loop is bound by that one core. run_probes() splits a batch of
at least MIN_PER_PROCESS endpoints per process into `processes` interleaved shards: the calling
process probes shard 0 on its own loop, a forked child probes each other shard on a fresh loop,
and the results come back through a pipe. The concurrency bound is divided
between the shards, so it holds for the whole batch.

A child that dies, or does not answer within its bound (its probes' timeouts, one batch after
the other, plus START_GRACE), is killed and reaped; its endpoints come back DOWN with the reason,
never lost silently. Every child is reaped before run_probes() returns.
"""
from __future__ import annotations

import asyncio
import gc
import math
import os
import pickle
import signal
import sys
import traceback
from dataclasses import dataclass, field

from .result import Endpoint, ProbeResult

MIN_PER_PROCESS = 50  # below this many endpoints per process, one loop is cheaper than a fork
START_GRACE = 5.0  # seconds a child may take beyond its probes' timeouts (start, hand-back)
READ_CHUNK = 1 << 16


def shard_count(count: int, concurrency: int, processes: int | None = None) -> int:
    """How many processes a batch of `count` endpoints is probed with (1: no child at all)."""
    wanted = processes if processes and processes > 0 else (os.cpu_count() or 1)
    return max(1, min(wanted, count // MIN_PER_PROCESS, max(1, int(concurrency))))


def split(endpoints: list[Endpoint], concurrency: int, shards: int) -> list[tuple[list[int], int]]:
    """(input positions, concurrency) per shard: interleaved positions, so every shard gets the same
    mix of protocols, and concurrency shares that add up to `concurrency`."""
    concurrency = max(shards, int(concurrency))
    return [(list(range(i, len(endpoints), shards)), concurrency // shards + (i < concurrency % shards))
            for i in range(shards)]


def bound_seconds(endpoints: list[Endpoint], concurrency: int) -> float:
    """The longest a shard can take: its probes' timeouts, batch after batch, plus START_GRACE."""
    longest = max((float(e.timeout) for e in endpoints), default=0.0)
    return longest * math.ceil(len(endpoints) / max(1, concurrency)) + START_GRACE


@dataclass
class Child:
    pid: int
    fd: int
    positions: list[int]
    bound: float
    data: bytearray = field(default_factory=bytearray)
    finished: bool = False  # the pipe reached its end before the bound


def _child_main(endpoints: list[Endpoint], concurrency: int, bound: float, fd: int, run) -> None:
    """In the forked child: probe, write the pickled outcomes, leave without running any of the
    parent's clean-up (atexit handlers, buffered output, database pools belong to the parent)."""
    code = 70
    try:
        gc.freeze()  # the inherited objects are never scanned, so their pages stay shared
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):
            signal.signal(signum, signal.SIG_DFL)
        signal.alarm(math.ceil(bound) + 1)  # a last resort if the parent is gone
        results = run(endpoints, concurrency)
        payload = memoryview(pickle.dumps(
            [(r.up, r.latency_ms, r.reason, r.tls_expires, r.tls_verified) for r in results],
            protocol=pickle.HIGHEST_PROTOCOL))
        while payload:
            payload = payload[os.write(fd, payload):]
        code = 0
    except BaseException:  # noqa: BLE001 - the parent reports the shard DOWN; say why on stderr
        traceback.print_exc()
        sys.stderr.flush()
    finally:
        os._exit(code)


def fork_children(endpoints: list[Endpoint], plan: list[tuple[list[int], int]], run) -> list[Child]:
    """Fork one child per planned shard; `run(endpoints, concurrency)` probes inside the child."""
    children: list[Child] = []
    try:
        for positions, concurrency in plan:
            mine = [endpoints[i] for i in positions]
            bound = bound_seconds(mine, concurrency)
            read_fd, write_fd = os.pipe2(os.O_CLOEXEC)
            try:
                pid = os.fork()
            except OSError:
                os.close(read_fd)
                os.close(write_fd)
                raise
            if pid == 0:  # pragma: no cover - runs in the child, which never returns
                os.close(read_fd)
                for child in children:
                    os.close(child.fd)
                _child_main(mine, concurrency, bound, write_fd, run)
            os.close(write_fd)
            os.set_blocking(read_fd, False)
            children.append(Child(pid, read_fd, positions, bound))
    except BaseException:
        reap(children, kill=True)
        raise
    return children


async def collect(child: Child) -> None:
    """Read the child's pipe to its end, for at most the child's bound."""
    loop = asyncio.get_running_loop()
    ended = loop.create_future()

    def readable() -> None:
        try:
            chunk = os.read(child.fd, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if chunk:
            child.data += chunk
        elif not ended.done():
            ended.set_result(None)

    loop.add_reader(child.fd, readable)
    try:
        async with asyncio.timeout(child.bound):
            await ended
        child.finished = True
    except TimeoutError:
        pass
    finally:
        loop.remove_reader(child.fd)


def _exit_reason(status: int | None, finished: bool, bound: float) -> str:
    if not finished:
        return f"probe process did not finish within {bound:g}s"
    if status is not None and os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = str(signum)
        return f"probe process killed by {name}"
    if status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status):
        return f"probe process failed (exit status {os.WEXITSTATUS(status)})"
    return "probe process returned no results"


def reap(children: list[Child], kill: bool = False) -> dict[int, int | None]:
    """Wait for every child (killing those still running when `kill` or unfinished); pid -> status."""
    statuses: dict[int, int | None] = {}
    for child in children:
        if kill or not child.finished:
            try:
                os.kill(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            _, status = os.waitpid(child.pid, 0)
        except ChildProcessError:
            status = None
        statuses[child.pid] = status
        try:
            os.close(child.fd)
        except OSError:
            pass
    return statuses


def outcomes(child: Child, endpoints: list[Endpoint], status: int | None) -> list[ProbeResult]:
    """The child's results in its shard's order; all DOWN with the reason when it failed."""
    mine = [endpoints[i] for i in child.positions]
    rows = None
    if child.finished:  # a complete pickle is the whole answer, whoever reaped the child
        try:
            rows = pickle.loads(bytes(child.data))
        except Exception:  # noqa: BLE001 - a truncated hand-back is a failed child
            rows = None
    if not isinstance(rows, list) or len(rows) != len(mine):
        reason = _exit_reason(status, child.finished, child.bound)
        return [ProbeResult(endpoint=e, up=False, latency_ms=None, reason=reason) for e in mine]
    return [ProbeResult(e, up, latency, reason, expires, verified)
            for e, (up, latency, reason, expires, verified) in zip(mine, rows)]
