"""Customer jobs: remove cancelled customers on their removal date (OEM spec 顧客管理 "削除").

The overuse check (OEM spec コース設定 overuse policy), run after each metrics collection."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tenants.calendar import JST
from tenants.customers import overuse
from tenants.customers import rules as customers
from tenants.db import utcnow
from tenants.hosting.suspension import works_after
from tenants.models import Customer, CustomerStatus
from workers import runtime
from workers.jobs.hosting.provisioning import deprovision_customer, enqueue_work
from workers.jobs.outbox import send_mails


def remove_cancelled_customers(today: date | None = None) -> int:
    """Remove every cancelled customer whose date has come; each in its own transaction, so one
    failure keeps the rest. Safe to run twice: a removed customer is simply gone."""
    today = today or utcnow().astimezone(JST).date()
    with runtime.job_session() as s:
        due = customers.due_for_removal(s, today)
    return sum(remove_customer(customer_id, today) for customer_id in due)


def remove_customer(customer_id: int, today: date | None = None) -> int:
    """Take everything a cancelled customer owns off its server (databases, sites, mail, FTP, DNS),
    then remove its records; 1 when removed. A server that refuses raises, so RQ retries and
    nothing of the customer is lost in between."""
    today = today or utcnow().astimezone(JST).date()
    with runtime.job_session() as s:
        if customer_id not in customers.due_for_removal(s, today):
            return 0
    deprovision_customer(customer_id)
    with runtime.job_session() as s:
        if customers.remove_if_due(s, customer_id, today):
            s.commit()
            return 1
    return 0


def check_overuse() -> int:
    """Check every customer's disk and traffic against its course; queue the notices due and send
    them. Safe to run twice: a level already notified is not notified again (a notice the SMTP host
    refuses stays in the outbox and is retried there)."""
    with runtime.job_session() as s:
        ids = list(s.scalars(select(Customer.id).where(Customer.status.in_(
            (CustomerStatus.ACTIVE.value, CustomerStatus.SUSPENDED.value)))))
    queued = []
    locale = runtime.settings().default_locale
    for customer_id in ids:
        with runtime.job_session() as s:
            customer = s.get(Customer, customer_id)
            status_before = customer.status
            notices = overuse.check_customer(s, customer, locale=locale)
            works = works_after(s, customer, status_before)
            s.commit()
            queued += [notice.id for notice in notices]
        enqueue_work(works)  # an overuse suspension (or its end) takes effect on the server
    return send_mails(queued)
