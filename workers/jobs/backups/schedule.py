"""The backup schedule: a tick every 5 minutes enqueues the run of each server whose plan is due
(its time of day has come, today has no generation yet); each server has its own time, spread over
the night (tenants/backups/plans.py). Before that, a managed contract with a backup option
(daily backup, 2nd disk, backup server) switches its server's plan on."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tenants.backups import faults
from tenants.backups.models import FAILED, BackupPlan, BackupRun
from tenants.backups.plans import OPTION_TARGETS, due_at, is_due, local_day, switch_on_for_option
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
    """A server whose plan was on at yesterday's time but has no run for yesterday missed its backup
    (worker or scheduler down): recorded as a failed run and an incident, like a failed run
    (issue 18: "a failed or missed run opens an incident")."""
    missed = []
    yesterday = local_day(now) - timedelta(days=1)
    for plan in s.execute(select(BackupPlan).where(BackupPlan.enabled.is_(True))).scalars():
        created = plan.created_at if plan.created_at.tzinfo else plan.created_at.replace(tzinfo=timezone.utc)
        if created >= due_at(plan, yesterday):
            continue
        if s.execute(select(BackupRun.id).where(BackupRun.server_id == plan.server_id,
                                                BackupRun.day == yesterday.isoformat())).first():
            continue
        reason = f"no backup was taken on {yesterday.isoformat()} (missed)"
        s.add(BackupRun(server_id=plan.server_id, day=yesterday.isoformat(), archive="", state=FAILED,
                        taken_at=due_at(plan, yesterday), reason=reason, finished_at=now))
        faults.open_backup_incident(s, plan.server_id, reason, now)
        missed.append(plan.server_id)
    return missed


def tick(now: str | None = None) -> list[int]:
    """Enqueue the due runs; the server ids enqueued."""
    at = datetime.fromisoformat(now) if now else utcnow()
    with runtime.job_session() as s:
        switch_on_options(s, at)
        note_missed(s, at)
        s.commit()
        due = [plan.server_id for plan in s.execute(select(BackupPlan).where(BackupPlan.enabled.is_(True))).scalars()
               if is_due(s, plan, at)]
    for server_id in due:
        queues.enqueue(run_backup, server_id, queue_name="backups", job_id=f"backup-{server_id}-{at:%Y%m%d}",
                       retries=1, job_timeout=JOB_TIMEOUT)
    return due
