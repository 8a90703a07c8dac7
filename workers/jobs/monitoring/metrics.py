"""The metrics collector (OEM spec "サーバ利用状況"; managed terms: disk per partition, inodes):
reads each local-driver server through workers/drivers/host/metrics.py and stores time series;
network traffic per customer comes from their virtual hosts' access logs (workers/drivers/host/traffic.py),
counted once: the log positions are stored with the samples in the same transaction."""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select

from tenants.crypto import SecretBox
from tenants.db import utcnow
from tenants.models import Customer, Domain, Server, TrafficLogCursor
from tenants.monitoring import usage
from tenants.servers.rules import open_driver_config
from workers import drivers, runtime
from workers.drivers.host import metrics
from workers.drivers.host.traffic import read_traffic

log = logging.getLogger(__name__)


def home_root() -> Path:
    """Where customers' home directories live on a local server: <root>/<customer id>."""
    settings = runtime.settings()
    return settings.customer_home_root or settings.instance_path / "homes"


def _driver_settings(server: Server) -> dict:
    """The server's sealed driver settings; empty when there are none or they were sealed with a
    key this installation no longer has."""
    try:
        return open_driver_config(SecretBox(runtime.settings().encryption_keys), server)
    except ValueError:
        return {}


def server_home_root(server: Server) -> Path:
    """The homes the provisioning writes for this server (its driver settings' homes_root, or
    config_dir/homes), else the installation-wide default."""
    config = _driver_settings(server)
    if config.get("homes_root"):
        return Path(config["homes_root"])
    if config.get("config_dir"):
        return Path(config["config_dir"]) / "homes"
    return home_root()


def customer_traffic(session, server: Server) -> dict[int, tuple[int, int]]:
    """(bytes in, bytes out) per customer on ``server`` since the previous run, from the access logs
    of their domains in the driver's config_dir; the new log positions go into the session (stored
    by the caller's commit together with the samples). A server without driver settings has none."""
    # OEM spec "サーバ利用状況": network traffic per customer
    config_dir = _driver_settings(server).get("config_dir")
    if not config_dir:
        return {}
    owners = dict(session.execute(select(Domain.name, Domain.customer_id).join(
        Customer, Customer.id == Domain.customer_id).where(Customer.server_id == server.id)).all())
    cursor = session.execute(select(TrafficLogCursor).where(TrafficLogCursor.server_id == server.id)
                             .with_for_update()).scalar()
    if cursor is None:
        cursor = TrafficLogCursor(server_id=server.id, log_states={})
        session.add(cursor)
    run = read_traffic(config_dir, owners, cursor.log_states)
    cursor.log_states, cursor.last_run_at = run.states, utcnow()
    if run.lost_rotated_tail:
        log.warning("server %s: access logs rotated twice between runs, unread requests lost: %s",
                    server.id, ", ".join(run.lost_rotated_tail))
    per_customer: dict[int, tuple[int, int]] = {}
    for domain, moved in run.traffic.items():
        before = per_customer.get(owners[domain], (0, 0))
        per_customer[owners[domain]] = (before[0] + moved.bytes_in, before[1] + moved.bytes_out)
    return per_customer


def collect_metrics(root: str | None = None) -> int:
    """One reading of every active local server; returns the number of servers read. Safe to run
    twice: a second run only adds one more sample."""
    with runtime.job_session() as s:
        server_ids = list(s.scalars(select(Server.id).where(drivers.reachable_filter(Server), Server.status == "active")))
    for server_id in server_ids:
        with runtime.job_session() as s:
            base = Path(root) if root else server_home_root(s.get(Server, server_id))
            base.mkdir(parents=True, exist_ok=True)
            customers = list(s.scalars(select(Customer).where(Customer.server_id == server_id)))
            dirs = {c.id: Path(str(c.id)) for c in customers if (base / str(c.id)).is_dir()}
            snapshot = metrics.collect(base, dirs)
            usage.record_server(s, server_id, snapshot, usage.last_counters(s, server_id))
            traffic = customer_traffic(s, s.get(Server, server_id))
            usage.record_customers(s, customers, snapshot.customers, snapshot.taken_at, traffic)
            s.commit()
    with runtime.job_session() as s:
        usage.prune(s)
        s.commit()
    from workers.jobs.customers import check_overuse

    check_overuse()  # the new figures may cross a course's 80 % / 100 % line
    return len(server_ids)
