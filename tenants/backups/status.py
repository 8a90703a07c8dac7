"""What the reseller sees of its customers' backups (issue 18 item 5): per customer, the latest
generation (date, result) and how many generations can be restored. The session's scope keeps the
rows to the reseller's own customers."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from tenants.backups.models import OK, BackupEntry, BackupRun
from tenants.models import Customer


@dataclass(frozen=True)
class CustomerBackups:
    customer: Customer
    last_day: str | None
    last_state: str | None
    generations: int


def customer_backups(session, limit: int = 500) -> list[CustomerBackups]:
    customers = session.execute(select(Customer).order_by(Customer.contractor_name, Customer.id).limit(limit)).scalars()
    out = []
    for customer in customers:
        latest = session.execute(select(BackupRun.day, BackupRun.state).join(BackupEntry).where(
            BackupEntry.customer_id == customer.id).order_by(BackupRun.taken_at.desc()).limit(1)).first()
        kept = session.execute(select(func.count(BackupEntry.id)).join(BackupRun).where(
            BackupEntry.customer_id == customer.id, BackupRun.state == OK)).scalar()
        out.append(CustomerBackups(customer, latest[0] if latest else None, latest[1] if latest else None, kept or 0))
    return out
