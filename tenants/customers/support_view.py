"""Support view (OEM spec: the reseller does all end-user support): an operator opens the end-user
panel as one of its customers. Nothing of the customer's password is read or shown; every action in
it is audited as the operator, on behalf of the customer."""
from __future__ import annotations

from sqlalchemy import select

from tenants import audit
from tenants.errors import N_, RuleViolation
from tenants.models import Customer, Principal, Role
from tenants.tenancy import BYPASS


def start(session, operator, customer: Customer, address: str | None = None) -> None:
    if customer.principal is None:
        raise RuleViolation.one(N_("This customer has no login."), None)
    audit.record(session, operator, "support.start", customer, "opened the end-user panel in support view",
                 customer_id=customer.id, on_behalf_of=audit.actor_label(customer.principal), address=address)


def end_user_for(session, operator, customer_id: int) -> Principal | None:
    """The end-user login an operator may act as: a customer of the operator's own reseller only."""
    if operator is None or operator.role != Role.OPERATOR.value or not operator.is_active:
        return None
    stmt = (select(Principal).where(Principal.customer_id == customer_id, Principal.role == Role.ENDUSER.value,
                                    Principal.reseller_id == operator.reseller_id)
            .execution_options(**{BYPASS: True}))
    principal = session.execute(stmt).scalar_one_or_none()
    if principal is not None:
        session.refresh(principal, attribute_names=["reseller", "customer"])
    return principal
