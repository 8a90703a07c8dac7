"""A stopped customer's hosting (OEM spec 顧客管理 "停止" / "ロック", コース設定 overuse policy): while a
customer is suspended (by its reseller for non-payment, by the overuse policy) or locked (by the
provider for abuse), its sites answer the reseller's "suspended" page, its mailboxes cannot log in
or send while incoming mail is still delivered, its FTP and SFTP/SSH users cannot log in and its database users
are locked (MariaDB ACCOUNT LOCK, PostgreSQL NOLOGIN). Nothing the
customer owns is removed: resuming renders exactly the configuration it had before."""
from __future__ import annotations

from sqlalchemy import select

from tenants.hosting.wanted import Work
from tenants.models import Customer, CustomerStatus, Database, Reseller

# OEM spec 顧客管理: suspended and locked customers are stopped; a cancelled one keeps running until
# its removal date (the removal job takes it off the server).
STOPPED_STATUSES = (CustomerStatus.SUSPENDED.value, CustomerStatus.LOCKED.value)
STOPPED_SERVICES = ("web", "mail", "ftp", "cron", "ssh")  # cron: its jobs do not run, ssh: no login (issue 16 item 1)


def is_stopped(status: str | None) -> bool:
    return status in STOPPED_STATUSES


def stopped_on(session, server_id: int) -> dict[int, str]:
    """The stopped customers of one server: customer id → the brand its reseller shows end users
    (the suspended page names the reseller, never the provider)."""
    rows = session.execute(select(Customer.id, Reseller.brand_name).join(Reseller, Reseller.id == Customer.reseller_id)
                           .where(Customer.server_id == server_id, Customer.status.in_(STOPPED_STATUSES)))
    return {customer_id: brand for customer_id, brand in rows}


def works_after(session, customer: Customer, status_before: str | None) -> list[Work]:
    """The services and databases to apply again when a status change stops or restarts the
    customer's hosting (none when it has no server or stays as stopped or running as before)."""
    if customer.server_id is None or is_stopped(status_before) == is_stopped(customer.status):
        return []
    databases = session.scalars(select(Database).where(Database.customer_id == customer.id,
                                                       Database.deleting.is_(False)).order_by(Database.id))
    return [Work.service_on(customer.server_id, service) for service in STOPPED_SERVICES] + \
        [Work.database(database) for database in databases]
