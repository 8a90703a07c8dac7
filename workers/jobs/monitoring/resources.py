"""Resource monitors of a server, read through its driver (this machine, or SSH to the server)
(managed terms basic monitoring: disk per partition 90 %; Platinum inodes 50 %; Gold file count
and DB size at 90 %). The job reads the figures; tenants.monitoring.resources judges them and
records the state."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from tenants.crypto import SecretBox
from tenants.models import Server
from tenants.monitoring.endpoints import thresholds_for
from tenants.monitoring.resources import limits_of, readings, record_readings
from workers import runtime
from workers.drivers import driver_for
from workers.drivers.errors import ApplyError
from workers.drivers.host import databases, metrics

MAX_FILES = 2_000_000  # bound of one file-count walk


def database_size_bytes(db_admin: dict, host=None) -> int | None:
    """Total size of the databases on the server's MariaDB and PostgreSQL (Gold: DB size)."""
    return databases.total_size_bytes(db_admin, host)


def check_resources(server_id: int, at: str) -> dict:
    """Read the server's resource figures and hand them to the domain to judge and record."""
    now = datetime.fromisoformat(at)
    with runtime.job_session() as s:
        server = s.get(Server, server_id)
        limits = limits_of(thresholds_for(s, server_id))
        try:
            with driver_for(server, SecretBox(runtime.settings().encryption_keys)) as driver:
                files = db_size = None
                home = driver.settings.get("home_root")
                if limits.contract_monitoring and limits.file_count_limit and home:
                    files = metrics.file_count(home, max_entries=MAX_FILES, host=driver.host)
                if limits.contract_monitoring and limits.db_size_limit_bytes:
                    db_size = driver.database_size_bytes()
                parts = [(p.mount, p.used_percent, p.inodes_percent) for p in metrics.partitions(host=driver.host)]
                memory = metrics.memory(host=driver.host).used_percent
        except (ApplyError, OSError) as exc:  # not readable now: nothing is judged this cycle
            s.rollback()
            from workers.jobs.incidents.remediation import note_if_host_key_refused

            note_if_host_key_refused(s, server_id, exc)
            return {"readings": 0, "over": [], "recorded": False, "error": str(exc)}
        current = readings(limits, parts, memory, files, db_size)
        over = record_readings(s, server_id, current, now)
        try:
            s.commit()
        except IntegrityError:  # the same check ran at the same moment elsewhere and recorded it
            s.rollback()
            return {"readings": len(current), "over": over, "recorded": False}
        return {"readings": len(current), "over": over, "recorded": True}
