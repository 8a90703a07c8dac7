"""Server usage (OEM spec "サーバ利用状況"): recording the collector's samples and reading them back
as current values, day/week/month series and top customers, against the 100 Mbit line and quotas."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from tenants.db import utcnow
from tenants.models import Course, Customer, CustomerUsageSample, ServerSample

LINE_BITS_PER_SECOND = 100_000_000  # OEM spec: "100M 共有回線" — one shared 100 Mbit line per server
PERIODS = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30)}
BUCKETS = 96  # points per chart, whatever the period
KEEP = timedelta(days=400)  # samples older than this are pruned


# --- recording (the metrics job) ---------------------------------------------------------------

def record_server(session, server_id: int, snapshot, previous_counters: dict[str, tuple[int, int, datetime]]) -> list:
    """Store one snapshot of a server: disk and inodes per partition, memory, network counters and
    the rates since the previous counters (bytes/s)."""
    at = snapshot.taken_at
    rows = []
    for p in snapshot.partitions:
        for metric, value in (("disk_used", p.used_bytes), ("disk_total", p.used_bytes + (
                p.available_bytes if p.available_bytes is not None else p.total_bytes - p.used_bytes)),
                              ("inodes_used", p.inodes_used), ("inodes_total", p.inodes_total)):
            rows.append(ServerSample(server_id=server_id, metric=metric, label=p.mount[:200], value=value, at=at))
    rows.append(ServerSample(server_id=server_id, metric="mem_used", label="", value=snapshot.memory.used, at=at))
    rows.append(ServerSample(server_id=server_id, metric="mem_total", label="", value=snapshot.memory.total, at=at))
    for n in snapshot.network:
        if n.interface == "lo":
            continue
        rows.append(ServerSample(server_id=server_id, metric="net_rx_bytes", label=n.interface, value=n.rx_bytes, at=at))
        rows.append(ServerSample(server_id=server_id, metric="net_tx_bytes", label=n.interface, value=n.tx_bytes, at=at))
        prev = previous_counters.get(n.interface)
        if prev is not None:
            seconds = (at - prev[2]).total_seconds()
            if seconds > 0 and n.rx_bytes >= prev[0] and n.tx_bytes >= prev[1]:  # counters reset on reboot
                rows.append(ServerSample(server_id=server_id, metric="net_rx_bps", label=n.interface,
                                         value=(n.rx_bytes - prev[0]) / seconds, at=at))
                rows.append(ServerSample(server_id=server_id, metric="net_tx_bps", label=n.interface,
                                         value=(n.tx_bytes - prev[1]) / seconds, at=at))
    session.add_all(rows)
    return rows


def last_counters(session, server_id: int) -> dict[str, tuple[int, int, datetime]]:
    latest = session.scalar(select(func.max(ServerSample.at)).where(ServerSample.server_id == server_id,
                                                                     ServerSample.metric == "net_rx_bytes"))
    if latest is None:
        return {}
    rows = session.execute(select(ServerSample.metric, ServerSample.label, ServerSample.value)
                           .where(ServerSample.server_id == server_id, ServerSample.at == latest,
                                  ServerSample.metric.in_(("net_rx_bytes", "net_tx_bytes")))).all()
    found: dict[str, list] = {}
    for metric, label, value in rows:
        found.setdefault(label, [0, 0])[0 if metric == "net_rx_bytes" else 1] = int(value)
    return {label: (rx, tx, latest) for label, (rx, tx) in found.items()}


def record_customers(session, customers: list[Customer], figures: dict, at: datetime,
                     traffic: dict[int, tuple[int, int]] | None = None) -> None:
    """Per-customer disk use of their home directories (also the live figure on the customer) and
    web traffic since the previous sample, (bytes in, bytes out) per customer id."""
    traffic = traffic or {}
    for customer in customers:
        usage = figures.get(customer.id)
        moved = traffic.get(customer.id)
        if usage is None and moved is None:
            continue
        if usage is not None:
            customer.disk_used_bytes = usage.bytes
        bytes_in, bytes_out = moved or (0, 0)
        session.add(CustomerUsageSample(reseller_id=customer.reseller_id, customer_id=customer.id,
                                        disk_bytes=customer.disk_used_bytes or 0, traffic_in_bytes=bytes_in,
                                        traffic_out_bytes=bytes_out, at=at))


def prune(session, now: datetime | None = None) -> None:
    cutoff = (now or utcnow()) - KEEP
    session.execute(delete(ServerSample).where(ServerSample.at < cutoff))
    session.execute(delete(CustomerUsageSample).where(CustomerUsageSample.at < cutoff))


# --- reading (screens and API) -------------------------------------------------------------------

@dataclass
class ServerNow:
    at: datetime | None
    partitions: list[dict]
    mem_used: float | None
    mem_total: float | None
    net: list[dict]


def server_now(session, server_id: int) -> ServerNow:
    latest = session.scalar(select(func.max(ServerSample.at)).where(ServerSample.server_id == server_id))
    if latest is None:
        return ServerNow(None, [], None, None, [])
    rows = session.execute(select(ServerSample.metric, ServerSample.label, ServerSample.value)
                           .where(ServerSample.server_id == server_id, ServerSample.at == latest)).all()
    parts: dict[str, dict] = {}
    nets: dict[str, dict] = {}
    mem = {}
    for metric, label, value in rows:
        if metric.startswith(("disk_", "inodes_")):
            parts.setdefault(label, {"mount": label})[metric] = value
        elif metric.startswith("net_"):
            nets.setdefault(label, {"interface": label})[metric] = value
        else:
            mem[metric] = value
    for p in parts.values():
        p["used_percent"] = _percent(p.get("disk_used"), p.get("disk_total"))
        p["inodes_percent"] = _percent(p.get("inodes_used"), p.get("inodes_total"))
    for n in nets.values():  # against the 100 Mbit line
        n["rx_line_percent"] = _percent(n.get("net_rx_bps", 0) * 8, LINE_BITS_PER_SECOND)
        n["tx_line_percent"] = _percent(n.get("net_tx_bps", 0) * 8, LINE_BITS_PER_SECOND)
    return ServerNow(latest, sorted(parts.values(), key=lambda p: p["mount"]), mem.get("mem_used"),
                     mem.get("mem_total"), sorted(nets.values(), key=lambda n: n["interface"]))


def _percent(used, total) -> float | None:
    return round(100.0 * float(used) / float(total), 1) if used is not None and total else None


def server_series(session, server_id: int, metric: str, period: str, now: datetime | None = None) -> list:
    """(time, value) points of one metric over a period, summed over labels at each time, then
    averaged into at most BUCKETS points (grouped in Python: one indexed range read)."""
    now = now or utcnow()
    since = now - PERIODS[period]
    rows = session.execute(select(ServerSample.at, func.sum(ServerSample.value))
                           .where(ServerSample.server_id == server_id, ServerSample.metric == metric,
                                  ServerSample.at >= since)
                           .group_by(ServerSample.at).order_by(ServerSample.at)).all()
    return _bucketed(rows, since, now)


def customer_series(session, customer_id: int, period: str, now: datetime | None = None,
                    metric: str = "disk") -> list:
    """Disk use (bytes) or traffic (bytes in + out per sample) of one customer over a period."""
    now = now or utcnow()
    since = now - PERIODS[period]
    value = CustomerUsageSample.disk_bytes if metric == "disk" else (
        CustomerUsageSample.traffic_in_bytes + CustomerUsageSample.traffic_out_bytes)
    rows = session.execute(select(CustomerUsageSample.at, value)
                           .where(CustomerUsageSample.customer_id == customer_id, CustomerUsageSample.at >= since)
                           .order_by(CustomerUsageSample.at)).all()
    return _bucketed(rows, since, now)


def _bucketed(rows, since: datetime, now: datetime) -> list:
    width = (now - since) / BUCKETS
    buckets: dict[int, list[float]] = {}
    for at, value in rows:
        buckets.setdefault(min(BUCKETS - 1, int((at - since) / width)), []).append(float(value))
    return [(since + width * (i + 0.5), sum(v) / len(v)) for i, v in sorted(buckets.items())]


def top_customers_by_disk(session, limit: int = 10) -> list[dict]:
    rows = session.execute(select(Customer.id, Customer.contractor_name, Customer.disk_used_bytes,
                                  Course.disk_quota_mb).join(Course, Course.id == Customer.course_id)
                           .order_by(Customer.disk_used_bytes.desc(), Customer.id).limit(limit)).all()
    return [{"id": r.id, "contractor_name": r.contractor_name, "disk_used_bytes": r.disk_used_bytes,
             "quota_percent": _percent(r.disk_used_bytes, r.disk_quota_mb * 1048576)} for r in rows]


def top_customers_by_traffic(session, now: datetime | None = None, limit: int = 10) -> list[dict]:
    """This month's (last 30 days') traffic per customer, against the course's monthly quota."""
    since = (now or utcnow()) - PERIODS["month"]
    total = (func.sum(CustomerUsageSample.traffic_in_bytes) + func.sum(CustomerUsageSample.traffic_out_bytes))
    rows = session.execute(select(Customer.id, Customer.contractor_name, total.label("bytes"), Course.traffic_quota_gb)
                           .join(CustomerUsageSample, CustomerUsageSample.customer_id == Customer.id)
                           .join(Course, Course.id == Customer.course_id)
                           .where(CustomerUsageSample.at >= since)
                           .group_by(Customer.id, Customer.contractor_name, Course.traffic_quota_gb)
                           .having(total > 0).order_by(total.desc(), Customer.id).limit(limit)).all()
    return [{"id": r.id, "contractor_name": r.contractor_name, "traffic_bytes": int(r.bytes),
             "quota_percent": _percent(r.bytes, r.traffic_quota_gb * 1024 ** 3)} for r in rows]


def customer_traffic(session, customer_id: int, now: datetime | None = None) -> int:
    """Bytes in + out over the last 30 days, against the course's monthly quota."""
    since = (now or utcnow()) - PERIODS["month"]
    total = session.scalar(select(func.coalesce(func.sum(CustomerUsageSample.traffic_in_bytes
                                                         + CustomerUsageSample.traffic_out_bytes), 0))
                           .where(CustomerUsageSample.customer_id == customer_id, CustomerUsageSample.at >= since))
    return int(total or 0)
