"""The one periodic scheduler (RQ 3 cron). Run exactly one: two would enqueue everything twice.
Feature modules add their periodic jobs to PERIODIC; `flask --app app scheduler` starts it."""
from __future__ import annotations

from redis import Redis
from rq.cron import CronScheduler

from workers.jobs.provisioning import sweep_pending
from workers.queues import job_path

# (dotted job path, queue name, interval seconds or None, cron string or None)
PERIODIC: list[tuple[str, str, int | None, str | None]] = [
    ("workers.jobs.housekeeping.heartbeat", "default", 60, None),
    ("workers.jobs.housekeeping.prune_login_attempts", "default", None, "17 3 * * *"),
    ("workers.jobs.customers.remove_cancelled_customers", "provisioning", None, "5 0 * * *"),
    # changes still pending whose job is gone (Redis lost or restarted); also run when the scheduler starts
    (job_path(sweep_pending), "provisioning", 300, None),
    ("workers.jobs.metrics.collect_metrics", "monitoring", 300, None),
    # OEM spec 監視: each server's cycle (10 min by default) is enqueued by a tick every minute
    ("workers.jobs.monitoring.tick", "monitoring", 60, None),
    ("workers.jobs.monitoring.roll_up", "monitoring", None, "7 * * * *"),
    # issue 6: incidents follow the recorded cycles; 10-minute notice rule; mass-mail lock (障害レベル1)
    ("workers.jobs.incidents.sweep", "monitoring", 60, None),
    ("workers.jobs.mass_mail.scan_all", "monitoring", 300, None),
    # managed-service contracts (cron strings in local time: run the scheduler with TZ=Asia/Tokyo)
    ("workers.jobs.contract_jobs.monthly_invoices", "billing", None, "30 6 1 * *"),
    ("workers.jobs.contract_jobs.daily_contracts", "billing", None, "15 0 * * *"),
    ("workers.jobs.contract_jobs.send_contract_mail", "notifications", 300, None),
]


def _resolve(path: str):
    module, _, name = path.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)


def build_scheduler(conn: Redis) -> CronScheduler:
    scheduler = CronScheduler(connection=conn, name="panel-scheduler")
    for path, queue_name, interval, cron in PERIODIC:
        scheduler.register(_resolve(path), queue_name, interval=interval, cron=cron, name=path)
    return scheduler
