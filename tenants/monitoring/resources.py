"""Resource thresholds (managed terms basic monitoring: disk use per partition, alert at 90 %;
Platinum: inode use at 50 %; Gold: file count and DB size at 90 % of the set limit): the pure rule
(readings, is_over) and the recorded state of each resource (record_readings). The job reads the
figures from the server; whether a resource is over, and what that changes, is decided here."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from tenants.models import ResourceStatus, StateEvent
from tenants.monitoring.endpoints import in_maintenance


@dataclass(frozen=True)
class Reading:
    metric: str     # "disk:/", "inodes:/home", "memory", "files", "db_size"
    percent: float  # of capacity (or of the contract's set limit)
    limit: float    # alert level in percent


@dataclass(frozen=True)
class Limits:
    disk_percent: int = 90     # managed terms: disk use per partition, 90 %
    inode_percent: int = 50    # managed terms, Platinum: inode use 50 %
    memory_percent: int = 90
    contract_monitoring: bool = False  # Gold/Platinum option on
    file_count_limit: int | None = None
    db_size_limit_bytes: int | None = None
    limit_percent: int = 90    # managed terms, Gold: 90 % of the set limit


def readings(limits: Limits, partitions: list[tuple[str, float, float]], memory_percent: float,
             file_count: int | None = None, db_size_bytes: int | None = None) -> list[Reading]:
    """The readings to judge: each partition's disk and inode use, memory, and with the
    Gold/Platinum contract the file count and database size against their set limits.
    `partitions` are (mount, used %, inodes used %)."""
    out = []
    for mount, used, inodes in partitions:
        out.append(Reading(f"disk:{mount}", round(used, 2), limits.disk_percent))
        out.append(Reading(f"inodes:{mount}", round(inodes, 2), limits.inode_percent))
    out.append(Reading("memory", round(memory_percent, 2), limits.memory_percent))
    if limits.contract_monitoring:
        if limits.file_count_limit and file_count is not None:
            out.append(Reading("files", round(100.0 * file_count / limits.file_count_limit, 2), limits.limit_percent))
        if limits.db_size_limit_bytes and db_size_bytes is not None:
            out.append(Reading("db_size", round(100.0 * db_size_bytes / limits.db_size_limit_bytes, 2),
                               limits.limit_percent))
    return out


def is_over(reading: Reading) -> bool:
    """At or above the alert level (managed terms: "90% 以上")."""
    return reading.percent >= reading.limit


def limits_of(thresholds) -> Limits:
    """The alert levels of a server's ResourceThreshold row (tenants.monitoring.endpoints.thresholds_for)."""
    return Limits(disk_percent=thresholds.disk_percent, inode_percent=thresholds.inode_percent,
                  memory_percent=thresholds.memory_percent, contract_monitoring=thresholds.contract_monitoring,
                  file_count_limit=thresholds.file_count_limit, db_size_limit_bytes=thresholds.db_size_limit_bytes,
                  limit_percent=thresholds.limit_percent)


def record_readings(session, server_id: int, current: list[Reading], at: datetime) -> list[str]:
    """Judge each reading against its alert level and keep the server's ResourceStatus rows: a
    metric crossing its level either way is a state event (alerting unless in a maintenance
    window). Returns the metrics over their level. A unique key per server and metric makes a
    check recorded at the same moment elsewhere fail the commit (the caller ignores it)."""
    rows = {r.metric: r for r in session.execute(select(ResourceStatus).where(
        ResourceStatus.server_id == server_id)).scalars()}
    maintenance = in_maintenance(session, server_id, at)
    over = []
    for reading in current:
        row, bad = rows.get(reading.metric), is_over(reading)
        if row is None:
            row = ResourceStatus(server_id=server_id, metric=reading.metric, since=at, over=False)
            session.add(row)
        if bad != row.over:
            session.add(StateEvent(server_id=server_id, subject=reading.metric, at=at,
                                   from_state="over" if row.over else "ok", to_state="over" if bad else "ok",
                                   reason=f"{reading.percent:g} % (alert at {reading.limit:g} %)",
                                   in_maintenance=maintenance, alert=not maintenance))
            row.since = at
        row.value_percent, row.limit_percent, row.over, row.checked_at = (reading.percent, reading.limit, bad, at)
        if bad:
            over.append(reading.metric)
    return over
