"""Resource monitors of a local server, from the local driver's collector (managed terms basic
monitoring: disk per partition 90 %; Platinum inodes 50 %; Gold file count and DB size at 90 %).
The job reads the figures; tenants.monitoring.resources judges them and records the state."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from tenants.crypto import SecretBox
from tenants.models import Server
from tenants.monitoring.endpoints import thresholds_for
from tenants.monitoring.resources import limits_of, readings, record_readings
from tenants.servers.rules import open_driver_config
from workers import runtime
from workers.drivers.host import metrics

MAX_FILES = 2_000_000  # bound of one file-count walk


def database_size_bytes(db_admin: dict) -> int | None:
    """Total size of the databases on this server's MariaDB and PostgreSQL (Gold: DB size)."""
    from workers.drivers.host.databases import admin_connection_mariadb, admin_connection_postgres

    total, seen = 0, False
    if "mariadb" in db_admin:
        with admin_connection_mariadb(db_admin["mariadb"]) as conn, conn.cursor() as cur:
            cur.execute("SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables")
            total += int(cur.fetchone()[0])
            seen = True
    if "postgresql" in db_admin:
        with admin_connection_postgres(db_admin["postgresql"]) as conn:
            total += int(conn.execute("SELECT COALESCE(SUM(pg_database_size(datname)), 0) FROM pg_database "
                                      "WHERE NOT datistemplate").fetchone()[0])
            seen = True
    return total if seen else None


def check_resources(server_id: int, at: str) -> dict:
    """Read the server's resource figures and hand them to the domain to judge and record."""
    now = datetime.fromisoformat(at)
    with runtime.job_session() as s:
        server = s.get(Server, server_id)
        limits = limits_of(thresholds_for(s, server_id))
        config = open_driver_config(SecretBox(runtime.settings().encryption_keys), server)
        files = db_size = None
        if limits.contract_monitoring and limits.file_count_limit and config.get("home_root"):
            files = metrics.file_count(config["home_root"], max_entries=MAX_FILES)
        if limits.contract_monitoring and limits.db_size_limit_bytes:
            db_size = database_size_bytes(config.get("db_admin") or {})
        parts = [(p.mount, p.used_percent, p.inodes_percent) for p in metrics.partitions()]
        current = readings(limits, parts, metrics.memory().used_percent, files, db_size)
        over = record_readings(s, server_id, current, now)
        try:
            s.commit()
        except IntegrityError:  # the same check ran at the same moment elsewhere and recorded it
            s.rollback()
            return {"readings": len(current), "over": over, "recorded": False}
        return {"readings": len(current), "over": over, "recorded": True}
