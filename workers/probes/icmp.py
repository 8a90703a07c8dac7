"""ICMP echo probe (icmplib), one host per call so one bad host never spoils the others.

Raw sockets (privileged) need root or CAP_NET_RAW; unprivileged ICMP datagram sockets need
net.ipv4.ping_group_range to include one of the process's groups. The probe tries raw first,
then datagram, and reports a clear reason when neither is allowed. (icmplib's async_multiping
raises on the first host error, which is why probe_many pings host by host instead.)
"""
from __future__ import annotations

from icmplib import async_ping
from icmplib.exceptions import ICMPLibError, NameLookupError, SocketPermissionError

from .result import Endpoint, ProbeFailure, Up

COUNT = 3
INTERVAL = 0.2
NOT_PERMITTED = (
    "ICMP not permitted: run as root, grant CAP_NET_RAW, "
    "or include this group in net.ipv4.ping_group_range"
)


async def _ping(endpoint: Endpoint, reply_timeout: float):
    for privileged in (True, False):  # a refused socket() costs one syscall, so no caching
        try:
            return await async_ping(
                endpoint.host, count=COUNT, interval=INTERVAL, timeout=reply_timeout, privileged=privileged
            )
        except SocketPermissionError:
            continue
    raise ProbeFailure(NOT_PERMITTED)


async def check_icmp(endpoint: Endpoint) -> Up:
    # Leave room inside the probe's hard timeout for all echoes and their replies.
    reply_timeout = max(0.2, min(2.0, endpoint.timeout - COUNT * INTERVAL - 0.1))
    try:
        host = await _ping(endpoint, reply_timeout)
    except NameLookupError:
        raise ProbeFailure(f"DNS: cannot resolve {endpoint.host}") from None
    except ICMPLibError as exc:
        raise ProbeFailure(f"ICMP: {exc}"[:200]) from None
    if not host.is_alive:
        raise ProbeFailure(f"no echo reply ({host.packets_sent} sent)")
    return Up(f"{host.packets_received}/{host.packets_sent} replies", latency_ms=round(host.avg_rtt, 3))
