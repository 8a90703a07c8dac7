"""Customer jobs: remove cancelled customers on their removal date (OEM spec 顧客管理 "削除")."""
from __future__ import annotations

from datetime import date

from tenants import customers
from tenants.business_calendar import JST
from tenants.db import utcnow
from workers import runtime


def remove_cancelled_customers(today: date | None = None) -> int:
    """Remove every cancelled customer whose date has come; each in its own transaction, so one
    failure keeps the rest. Safe to run twice: a removed customer is simply gone."""
    today = today or utcnow().astimezone(JST).date()
    with runtime.job_session() as s:
        due = customers.due_for_removal(s, today)
    removed = 0
    for customer_id in due:
        with runtime.job_session() as s:
            if customers.remove_if_due(s, customer_id, today):
                s.commit()
                removed += 1
    return removed
