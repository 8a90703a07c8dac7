"""The overuse check (OEM spec コース設定 overuse policy), run after each metrics collection."""
from __future__ import annotations

from sqlalchemy import select

from tenants.customers import overuse
from tenants.models import Customer, CustomerStatus, Reseller
from workers import mailer, runtime


def check_overuse() -> int:
    """Check every customer's disk and traffic against its course; mail the notices due. Safe to run
    twice: a level already notified is not notified again."""
    with runtime.job_session() as s:
        ids = list(s.scalars(select(Customer.id).where(Customer.status.in_(
            (CustomerStatus.ACTIVE.value, CustomerStatus.SUSPENDED.value)))))
    sent = 0
    locale = runtime.settings().default_locale
    for customer_id in ids:
        with runtime.job_session() as s:
            customer = s.get(Customer, customer_id)
            notices = overuse.check_customer(s, customer)
            for notice in notices:
                if notice.to:
                    reseller = s.get(Reseller, notice.reseller_id)
                    mailer.send(notice.to, mailer.render(notice.subject, locale), mailer.render(notice.body, locale),
                                sender_name=reseller.brand_name, reply_to=reseller.support_email)
                    sent += 1
            s.commit()  # only once told: a failed mail leaves the level to be notified next run
    return sent
