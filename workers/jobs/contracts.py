"""Jobs of the managed-service contracts and the provider's billing: the monthly invoice run, the
monthly OEM invoices to resellers, and the daily chores (formation, cancellations, scheduled
suspensions, work-request acceptance and overdue flags, reminders of overdue invoices). Each takes
an injectable date and is safe to run twice. The mail they queue goes out through the outbox
(workers/jobs/outbox.py), each invoice with its PDF."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from tenants.calendar import today_jst
from tenants.contracts.invoicing import monthly_invoice_run
from tenants.contracts.lifecycle import end_if_cancelled, form_if_due, running_contracts
from tenants.contracts.models import SuspensionStatus
from tenants.contracts.oem import oem_invoice_run
from tenants.contracts.options import monitoring_features
from tenants.contracts.reminders import chase_overdue
from tenants.contracts.suspension import start_if_due
from tenants.contracts.work import daily_work_requests
from tenants.db import utcnow
from tenants.models import Suspension
from tenants.monitoring.endpoints import set_contract_monitoring
from workers import api, runtime


def _day(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else (value or today_jst())


# managed terms §20.3: run on the 1st of each month; invoices next month
def monthly_invoices(run_on: str | date | None = None) -> list[str]:
    with runtime.job_session() as s:
        issued = monthly_invoice_run(s, _day(run_on))
        s.commit()
        numbers = [inv.number for inv in issued]
    if numbers:
        api.send_outbox()  # each invoice to its billing contact, with its PDF
    return numbers


# OEM fees: run on the 1st of each month; invoices the month that ended
def oem_invoices(run_on: str | date | None = None) -> list[str]:
    with runtime.job_session() as s:
        issued = oem_invoice_run(s, _day(run_on))
        s.commit()
        numbers = [inv.number for inv in issued]
    if numbers:
        api.send_outbox()
    return numbers


# managed terms §5.4, §11.2, §23, §18.4
# managed terms, operation support Gold/Platinum: the options switch on what the monitoring watches
def sync_monitoring(session, contract, day: date) -> None:
    if contract.server is None:
        return
    features = monitoring_features(contract, day)
    thresholds = set_contract_monitoring(session, contract.server, bool({"file_count_90", "db_size_90"} & features))
    thresholds.log_watch = "hourly_log_collection" in features


def daily_contracts(today: str | date | None = None, now: datetime | None = None) -> dict:
    day = _day(today)
    now = now or utcnow()
    with runtime.job_session() as s:
        formed = ended = started = 0
        for contract in running_contracts(s):
            formed += form_if_due(contract, day)
            ended += end_if_cancelled(contract, day)
            sync_monitoring(s, contract, day)
        for suspension in s.execute(select(Suspension).where(Suspension.status == SuspensionStatus.SCHEDULED)).scalars():
            started += start_if_due(suspension, now)
        result = {"formed": formed, "cancelled": ended, "suspensions_started": started,
                  **daily_work_requests(s, day), "reminders": chase_overdue(s, day)}
        s.commit()
    return result  # mail queued on the way goes out with send_outbox (every 5 minutes)
