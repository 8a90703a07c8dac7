"""Resource thresholds as a pure rule (managed terms basic monitoring: disk use per partition,
alert at 90 %; Platinum: inode use at 50 %; Gold: file count and DB size at 90 % of the set limit)."""
from __future__ import annotations

from dataclasses import dataclass


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
