"""ICMP echo probe (icmplib sockets), with ONE socket per event loop and address family shared by
every ping in flight.

Why shared: every raw ICMP socket receives a copy of every ICMP packet the host receives, so a
socket per probe makes n concurrent pings cost n² packet deliveries (at 200 in flight that was
most of a cycle's CPU). One socket reads each reply once and hands it to the ping that sent it,
matched by (identifier, sequence) and source address.

Raw sockets (privileged) need root or CAP_NET_RAW; unprivileged ICMP datagram sockets need
net.ipv4.ping_group_range to include one of the process's groups (the kernel then sets the
identifier). The probe tries raw first, then datagram, and reports a clear reason when neither
is allowed.
"""
from __future__ import annotations

import asyncio
import ipaddress
import os
import time
import weakref
from itertools import count

from icmplib import ICMPRequest, ICMPv4Socket, ICMPv6Socket, async_resolve
from icmplib.exceptions import ICMPLibError, NameLookupError, SocketPermissionError

from .result import Endpoint, ProbeFailure, Up

INTERVAL = 0.2
NOT_PERMITTED = (
    "ICMP not permitted: run as root, grant CAP_NET_RAW, "
    "or include this group in net.ipv4.ping_group_range"
)
_ECHO_REPLY = {4: 0, 6: 129}


class _Pinger:
    """One ICMP socket on one event loop; replies dispatched to the futures waiting for them."""

    def __init__(self, family: int, loop: asyncio.AbstractEventLoop):
        kind = ICMPv4Socket if family == 4 else ICMPv6Socket
        try:
            self.sock = kind(privileged=True)
        except SocketPermissionError:
            self.sock = kind(privileged=False)  # raises SocketPermissionError when not allowed either
        self.sock.blocking = False
        self.family, self.loop, self.users = family, loop, 0
        self.ident = os.getpid() & 0xFFFF
        self.sequence = count(int.from_bytes(os.urandom(2), "big"))
        self.waiting: dict[tuple[str, int], asyncio.Future] = {}
        loop.add_reader(self.sock.sock.fileno(), self._readable)

    def _readable(self) -> None:
        while True:
            try:
                packet, source = self.sock.sock.recvfrom(1024)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            reply = self.sock._parse_reply(packet=packet, source=source[0], current_time=time.time())
            if reply is None or (self.sock.is_privileged and reply.id != self.ident):
                continue
            waiter = self.waiting.get((ipaddress.ip_address(source[0]).compressed, reply.sequence))
            if waiter is None and reply.type != _ECHO_REPLY[self.family]:
                # an error (e.g. unreachable) comes from a router, not from the pinged address
                waiter = next((f for (addr, seq), f in self.waiting.items() if seq == reply.sequence), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(reply)

    async def echo(self, address: str, timeout: float) -> float | None:
        """Send one echo request; the round trip in ms, or None when no reply came in time."""
        sequence = next(self.sequence) & 0xFFFF
        key = (address, sequence)
        waiter = self.loop.create_future()
        self.waiting[key] = waiter
        try:
            request = ICMPRequest(destination=address, id=self.ident, sequence=sequence)
            self.sock.send(request)
            try:
                async with asyncio.timeout(timeout):
                    reply = await waiter
            except TimeoutError:
                return None
            if reply.type != _ECHO_REPLY[self.family]:
                return None
            return (reply.time - request.time) * 1000.0
        finally:
            self.waiting.pop(key, None)

    def close(self) -> None:
        self.loop.remove_reader(self.sock.sock.fileno())
        self.sock.close()


_pingers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, _Pinger]]" = weakref.WeakKeyDictionary()


def _pinger(family: int) -> _Pinger:
    loop = asyncio.get_running_loop()
    per_loop = _pingers.setdefault(loop, {})
    if family not in per_loop or per_loop[family].sock.is_closed:
        per_loop[family] = _Pinger(family, loop)
    return per_loop[family]


async def _address(host: str) -> tuple[str, int]:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = ipaddress.ip_address((await async_resolve(host))[0])
    return ip.compressed, ip.version


async def check_icmp(endpoint: Endpoint) -> Up:
    # Leave room inside the probe's hard timeout for all echoes and their replies.
    echoes = max(1, min(10, endpoint.echoes))
    reply_timeout = max(0.2, min(2.0, endpoint.timeout - echoes * INTERVAL - 0.1))
    try:
        address, family = await _address(endpoint.host)
        pinger = _pinger(family)
    except NameLookupError:
        raise ProbeFailure(f"DNS: cannot resolve {endpoint.host}") from None
    except SocketPermissionError:
        raise ProbeFailure(NOT_PERMITTED) from None
    except ICMPLibError as exc:
        raise ProbeFailure(f"ICMP: {exc}"[:200]) from None
    pinger.users += 1
    try:
        sent = []
        for i in range(echoes):
            if i:
                await asyncio.sleep(INTERVAL)
            sent.append(asyncio.ensure_future(pinger.echo(address, reply_timeout)))
        rtts = [r for r in await asyncio.gather(*sent) if r is not None]
    except ICMPLibError as exc:
        raise ProbeFailure(f"ICMP: {exc}"[:200]) from None
    finally:
        pinger.users -= 1
        if pinger.users == 0:
            pinger.close()
    if not rtts:
        raise ProbeFailure(f"no echo reply ({echoes} sent)")
    return Up(f"{len(rtts)}/{echoes} replies", latency_ms=round(sum(rtts) / len(rtts), 3))
