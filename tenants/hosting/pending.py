"""Changes saved but not applied yet, as the provisioning work that applies them.

A change is saved ``pending`` and its job enqueued after the commit; the job can still be lost
(Redis restarted or lost its data, an enqueue that failed, a worker gone with its queue). The
workers' periodic sweep asks this module what is due and enqueues it again, so a pending row is
applied however long it has waited.
"""
from __future__ import annotations

from sqlalchemy import select

from tenants.hosting.wanted import SERVICE_MODELS, Work
from tenants.models import Customer, CustomerStatus, Database, DkimKey, Domain, ProvisionState

PENDING = ProvisionState.PENDING.value


def _live(stmt, model):
    """Rows of customers on a server and not cancelled: until a cancelled customer's removal date
    nothing it owns is touched, and then the removal job takes it all off the server (OEM spec
    顧客管理 "削除"), so the sweep never applies such a row again."""
    return stmt.select_from(model).join(Customer, Customer.id == model.customer_id).where(
        model.state == PENDING, Customer.server_id.is_not(None), Customer.status != CustomerStatus.CANCELLED.value)


def pending_work(session) -> list[Work]:
    """One apply of each (server, service) with a pending row, and one per pending database."""
    due: set[tuple[int, str]] = set()
    for service, models in SERVICE_MODELS.items():
        for model in models:
            for server_id in session.execute(_live(select(Customer.server_id).distinct(), model)).scalars():
                due.add((server_id, service))
                if model in (Domain, DkimKey):  # a domain's zone (and its DKIM record) is the dns service's
                    due.add((server_id, "dns"))
    databases = session.execute(_live(select(Database), Database).order_by(Database.id)).scalars()
    return [Work.service_on(server_id, service) for server_id, service in sorted(due)] + \
        [Work.database(database) for database in databases]
