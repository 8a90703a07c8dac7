"""The mail aliases and catch-alls of one server's customers, as the driver's MailAlias items
(postfix virtual_alias_maps: ``local@domain`` or ``@domain`` for a catch-all → its targets)."""
from __future__ import annotations

from sqlalchemy import select

from tenants.models import Customer, MailAlias
from workers.drivers.host.spec import MailAlias as AliasSpec


def aliases_on(session, server_id: int) -> list[AliasSpec]:
    rows = session.execute(select(MailAlias).join(Customer, Customer.id == MailAlias.customer_id)
                           .where(Customer.server_id == server_id, MailAlias.deleting.is_(False))
                           .order_by(MailAlias.id)).scalars()
    return [AliasSpec(alias.address, tuple(alias.target_list)) for alias in rows]
