"""The one periodic scheduler (RQ 3 cron). Run exactly one: two would enqueue everything twice.
`flask --app app scheduler` starts it with the periodic jobs below, registered as functions."""
from __future__ import annotations

from collections.abc import Callable

from redis import Redis
from rq.cron import CronScheduler

from workers.jobs import contracts, customers, housekeeping, mail_abuse, outbox
from workers.jobs.backups import schedule as backups
from workers.jobs.hosting import certificate_alerts, certificates, dkim_keys, provisioning
from workers.jobs.incidents import cycle
from workers.jobs.monitoring import announcements, checks, log_watch, metrics
from workers.queues import job_path

# (job, queue name, interval seconds or None, cron string or None)
PERIODIC: list[tuple[Callable, str, int | None, str | None]] = [
    (housekeeping.heartbeat, "default", 60, None),
    (housekeeping.prune_login_attempts, "default", None, "17 3 * * *"),
    (customers.remove_cancelled_customers, "provisioning", None, "5 0 * * *"),
    # changes still pending whose job is gone (Redis lost or restarted); also run when the scheduler starts
    (provisioning.sweep_pending, "provisioning", 300, None),
    # issue 17: ACME certificates due (30 days before expiry; failed ones after their backoff), expiry alerts
    (certificates.renew_certificates, "provisioning", None, "23 * * * *"),
    (certificate_alerts.send_expiry_alerts, "notifications", None, "41 * * * *"),
    # issue 17 item 4: a rotated-out DKIM key's record leaves the zone after its overlap
    (dkim_keys.retire_dkim_keys, "provisioning", None, "29 * * * *"),
    (metrics.collect_metrics, "monitoring", 300, None),
    # OEM spec 監視: each server's cycle (10 min by default) is enqueued by a tick every minute
    (checks.tick, "monitoring", 60, None),
    (checks.roll_up, "monitoring", None, "7 * * * *"),
    # incidents follow the recorded cycles; 10-minute notice rule; mass-mail lock (障害レベル1)
    (cycle.sweep, "monitoring", 60, None),
    (mail_abuse.scan_all, "monitoring", 300, None),
    # maintenance windows announced ahead, the day-before reminder, the ended notice (issue 20)
    (announcements.announce_maintenance, "notifications", 300, None),
    # Gold/Platinum: hourly system-log collection with error detection (managed option spec)
    (log_watch.watch_logs, "monitoring", None, "13 * * * *"),
    # managed-service contracts (cron strings in local time: run the scheduler with TZ=Asia/Tokyo)
    (contracts.monthly_invoices, "billing", None, "30 6 1 * *"),
    (contracts.oem_invoices, "billing", None, "45 6 1 * *"),
    (contracts.daily_contracts, "billing", None, "15 0 * * *"),
    # issue 18: each server's daily backup at its own time (the tick enqueues the due runs)
    (backups.tick, "backups", 300, None),
    # every mail still due (contract mail; notices and overuse mail are also sent as they are queued)
    (outbox.send_outbox, "notifications", 300, None),
]


def build_scheduler(conn: Redis) -> CronScheduler:
    scheduler = CronScheduler(connection=conn, name="panel-scheduler")
    for job, queue_name, interval, cron in PERIODIC:
        scheduler.register(job, queue_name, interval=interval, cron=cron, name=job_path(job))
    return scheduler
