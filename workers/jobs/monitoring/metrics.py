"""The metrics collector (OEM spec "サーバ利用状況"; managed terms: disk per partition, inodes):
reads each active server through its driver (workers/drivers/host/metrics.py over the server's
transport: this machine, or SSH to another one; one connection per server) and stores time
series; network traffic per customer comes from their virtual hosts' access logs on that server
(workers/drivers/host/traffic.py), counted once: the log positions are stored with the samples in
the same transaction. A server that cannot be reached is skipped this time (and said so)."""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select

from tenants.crypto import SecretBox
from tenants.db import utcnow
from tenants.models import Customer, Domain, Server, TrafficLogCursor
from tenants.monitoring import usage
from tenants.servers.models import ServerStatus
from workers import runtime
from workers.drivers import Driver, driver_for
from workers.drivers.errors import ApplyError
from workers.drivers.host import metrics
from workers.drivers.host.traffic import read_traffic

log = logging.getLogger(__name__)


def home_root() -> Path:
    """Where customers' home directories live on a local server: <root>/<customer id>."""
    settings = runtime.settings()
    return settings.customer_home_root or settings.instance_path / "homes"


def server_home_root(driver: Driver) -> str:
    """The homes the provisioning writes on this server (its driver settings' homes_root, or
    config_dir/homes), else (this machine only) the installation-wide default."""
    if driver.settings.get("homes_root"):
        return str(driver.settings["homes_root"])
    try:
        return f"{driver.config_dir}/homes"
    except ApplyError:
        return str(home_root())


def customer_traffic(session, server: Server, driver: Driver) -> dict[int, tuple[int, int]]:
    """(bytes in, bytes out) per customer on ``server`` since the previous run, from the access logs
    of their domains in the driver's config_dir; the new log positions go into the session (stored
    by the caller's commit together with the samples). A server without driver settings has none."""
    # OEM spec "サーバ利用状況": network traffic per customer
    try:
        config_dir = driver.config_dir
    except ApplyError:
        return {}
    owners = dict(session.execute(select(Domain.name, Domain.customer_id).join(
        Customer, Customer.id == Domain.customer_id).where(Customer.server_id == server.id)).all())
    cursor = session.execute(select(TrafficLogCursor).where(TrafficLogCursor.server_id == server.id)
                             .with_for_update()).scalar()
    if cursor is None:
        cursor = TrafficLogCursor(server_id=server.id, log_states={})
        session.add(cursor)
    run = read_traffic(config_dir, owners, cursor.log_states, driver.host)
    cursor.log_states, cursor.last_run_at = run.states, utcnow()
    if run.lost_rotated_tail:
        log.warning("server %s: access logs rotated twice between runs, unread requests lost: %s",
                    server.id, ", ".join(run.lost_rotated_tail))
    per_customer: dict[int, tuple[int, int]] = {}
    for domain, moved in run.traffic.items():
        before = per_customer.get(owners[domain], (0, 0))
        per_customer[owners[domain]] = (before[0] + moved.bytes_in, before[1] + moved.bytes_out)
    return per_customer


def read_server(server_id: int, root: str | None = None) -> str | None:
    """One reading of one server, stored; None when done, else why the server could not be read."""
    box = SecretBox(runtime.settings().encryption_keys)
    with runtime.job_session() as s:
        server = s.get(Server, server_id)
        try:
            with driver_for(server, box) as driver:
                base = root or server_home_root(driver)
                driver.host.makedirs([base])
                customers = list(s.scalars(select(Customer).where(Customer.server_id == server_id)))
                listed = set(driver.host.listdir(base))
                dirs = {c.id: Path(str(c.id)) for c in customers if str(c.id) in listed}
                snapshot = metrics.collect(Path(base), dirs, host=driver.host)
                usage.record_server(s, server_id, snapshot, usage.last_counters(s, server_id))
                traffic = customer_traffic(s, server, driver)
        except (ApplyError, OSError) as exc:
            s.rollback()
            from workers.jobs.incidents.remediation import note_if_host_key_refused

            note_if_host_key_refused(s, server_id, exc)
            log.warning("server %s could not be read: %s", server_id, exc)
            return str(exc)
        usage.record_customers(s, customers, snapshot.customers, snapshot.taken_at, traffic)
        s.commit()
    return None


def collect_metrics(root: str | None = None) -> int:
    """One reading of every active server; returns the number of servers read. Safe to run twice:
    a second run only adds one more sample."""
    with runtime.job_session() as s:
        server_ids = list(s.scalars(select(Server.id).where(Server.status == ServerStatus.ACTIVE)))
    read = sum(1 for server_id in server_ids if read_server(server_id, root) is None)
    with runtime.job_session() as s:
        usage.prune(s)
        s.commit()
    from workers.jobs.customers import check_overuse

    check_overuse()  # the new figures may cross a course's 80 % / 100 % line
    return read
