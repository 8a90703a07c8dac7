"""The metrics collector (OEM spec "サーバ利用状況"; managed terms: disk per partition, inodes):
reads each local-driver server through workers/drivers/local/metrics.py and stores time series."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from tenants import usage
from tenants.crypto import SecretBox
from tenants.models import Customer, Server
from tenants.servers import open_driver_config
from workers import runtime
from workers.drivers.local import metrics


def home_root() -> Path:
    """Where customers' home directories live on a local server: <root>/<customer id>."""
    settings = runtime.settings()
    return Path(settings.extra.get("home_root") or os.environ.get("CUSTOMER_HOME_ROOT")
                or settings.instance_path / "homes")


def server_home_root(server: Server) -> Path:
    """The homes the provisioning writes for this server (its driver settings' homes_root, or
    config_dir/homes), else the installation-wide default."""
    try:
        config = open_driver_config(SecretBox(runtime.settings().encryption_keys), server)
    except ValueError:
        config = {}
    if config.get("homes_root"):
        return Path(config["homes_root"])
    if config.get("config_dir"):
        return Path(config["config_dir"]) / "homes"
    return home_root()


def collect_metrics(root: str | None = None) -> int:
    """One reading of every active local server; returns the number of servers read. Safe to run
    twice: a second run only adds one more sample."""
    with runtime.job_session() as s:
        server_ids = list(s.scalars(select(Server.id).where(Server.driver == "local", Server.status == "active")))
    for server_id in server_ids:
        with runtime.job_session() as s:
            base = Path(root) if root else server_home_root(s.get(Server, server_id))
            base.mkdir(parents=True, exist_ok=True)
            customers = list(s.scalars(select(Customer).where(Customer.server_id == server_id)))
            dirs = {c.id: Path(str(c.id)) for c in customers if (base / str(c.id)).is_dir()}
            snapshot = metrics.collect(base, dirs)
            usage.record_server(s, server_id, snapshot, usage.last_counters(s, server_id))
            usage.record_customers(s, customers, snapshot.customers, snapshot.taken_at)
            s.commit()
    with runtime.job_session() as s:
        usage.prune(s)
        s.commit()
    from workers.jobs.overuse import check_overuse

    check_overuse()  # the new figures may cross a course's 80 % / 100 % line
    return len(server_ids)
