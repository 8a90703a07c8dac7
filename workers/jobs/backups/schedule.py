"""The backup schedule: a tick every 5 minutes enqueues the run of each server whose plan is due
(its time of day has come, today has no generation yet); each server has its own time, spread over
the night (tenants/backups/plans.py). Before that, a managed contract with a backup option
(daily backup, 2nd disk, backup server) switches its server's plan on."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tenants.backups.models import BackupPlan
from tenants.backups.plans import OPTION_TARGETS, is_due, switch_on_for_option
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


def tick(now: str | None = None) -> list[int]:
    """Enqueue the due runs; the server ids enqueued."""
    at = datetime.fromisoformat(now) if now else utcnow()
    with runtime.job_session() as s:
        switch_on_options(s, at)
        s.commit()
        due = [plan.server_id for plan in s.execute(select(BackupPlan).where(BackupPlan.enabled.is_(True))).scalars()
               if is_due(s, plan, at)]
    for server_id in due:
        queues.enqueue(run_backup, server_id, queue_name="backups", job_id=f"backup-{server_id}-{at:%Y%m%d}",
                       retries=1, job_timeout=JOB_TIMEOUT)
    return due
