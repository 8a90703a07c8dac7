"""The backup schedule: a tick every 5 minutes enqueues the run of each server whose plan is due
(its time of day has come, today has no generation yet); each server has its own time, spread over
the night (tenants/backups/plans.py). Before that, a managed contract with a backup option
(daily backup, 2nd disk, backup server) switches its server's plan on."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tenants.backups import faults
from tenants.backups.models import FAILED, BackupPlan, BackupRun
from tenants.backups.plans import OPTION_TARGETS, due_at, is_due, missed_days, retry_due, switch_on_for_option
from tenants.contracts.options import is_option_active
from tenants.db import utcnow
from tenants.models import Contract, ContractOption
from workers import queues, runtime
from workers.jobs.backups.run import JOB_TIMEOUT, run_backup
from workers.jobs.hosting.wanted_state import box


def switch_on_options(s, now: datetime) -> int:
    switched = 0
    rows = s.execute(select(ContractOption, Contract).join(Contract, Contract.id == ContractOption.contract_id).where(
        ContractOption.kind.in_(tuple(OPTION_TARGETS)), Contract.server_id.is_not(None))).all()
    for option, contract in rows:
        if is_option_active(option, now.date()):
            switched += switch_on_for_option(s, box(), contract, option.kind) is not None
    return switched


def note_missed(s, now: datetime) -> list[int]:
    """A server whose plan was on at its time (yesterday, or today MISSED_MARGIN ago) and that has
    no run at all for that day missed its backup (worker or scheduler down): recorded as a failed
    run "missed" and an incident, like a failed run (issue 18: "a failed or missed run opens an
    incident"). A scheduled run that still comes later that day is taken as usual and closes it."""
    missed = []
    for plan in s.execute(select(BackupPlan).where(BackupPlan.enabled.is_(True))).scalars():
        for day in missed_days(s, plan, now):
            reason = f"no backup was taken on {day.isoformat()} (missed)"
            s.add(BackupRun(server_id=plan.server_id, day=day.isoformat(), archive="", state=FAILED, trigger="missed",
                            taken_at=due_at(plan, day), reason=reason, finished_at=now))
            faults.open_backup_incident(s, plan.server_id, reason, now)
            missed.append(plan.server_id)
    return missed


def tick(now: str | None = None) -> list[int]:
    """Enqueue the due runs and the due retries; the server ids enqueued."""
    at = datetime.fromisoformat(now) if now else utcnow()
    with runtime.job_session() as s:
        switch_on_options(s, at)
        note_missed(s, at)
        s.commit()
        plans = s.execute(select(BackupPlan).where(BackupPlan.enabled.is_(True))).scalars().all()
        due = [plan.server_id for plan in plans if is_due(s, plan, at)]
        retries = [plan.server_id for plan in plans if retry_due(s, plan, at)]
    for server_id in due:
        queues.enqueue(run_backup, server_id, queue_name="backups", job_id=f"backup-{server_id}-{at:%Y%m%d}",
                       retries=1, job_timeout=JOB_TIMEOUT)
    waiting = queues.waiting("backups")
    retried = [server_id for server_id in retries
               if (queues.job_path(run_backup), (server_id, None, "retry")) not in waiting]
    for server_id in retried:  # a failed scheduled run, tried again once the same day
        queues.enqueue(run_backup, server_id, None, "retry", queue_name="backups",
                       job_id=f"backup-retry-{server_id}-{at:%Y%m%d}", retries=1, job_timeout=JOB_TIMEOUT)
    return due + retried
