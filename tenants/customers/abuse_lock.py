"""The provider's abuse lock (OEM spec 障害レベル1 / 顧客管理 "ロック"; issue 16 item 1): provider staff
lock a customer of any reseller for abuse, with a reason the reseller reads on the customer's page;
the customer is stopped on its server like any locked customer (tenants/hosting/suspension.py).
Only the provider lifts it, again with a reason; both are audited with their reason. The reseller
cannot resume an abuse-locked customer (customers.rules.resume_customer and update_customer)."""
from __future__ import annotations

from sqlalchemy import select

from tenants import audit
from tenants.accounts.models import Principal, Role, realm_for
from tenants.errors import N_, RuleViolation
from tenants.hosting.suspension import works_after
from tenants.hosting.wanted import Work
from tenants.models import Customer, CustomerStatus, Reseller

MAX_REASON = 500
PROVIDER_ONLY = N_("The provider locked this customer for abuse; only the provider can lift the lock.")


def _reason(text: str | None) -> str:
    reason = " ".join((text or "").split())
    if not reason:
        raise RuleViolation.one(N_("Enter the reason."), "reason")
    if len(reason) > MAX_REASON:
        raise RuleViolation.one(N_("Enter at most %(n)s characters."), "reason", n=MAX_REASON)
    return reason


def find_customer(session, reseller_code: str, login_id: str) -> Customer:
    """The customer whose end user logs in as ``login_id`` at the reseller ``reseller_code``."""
    reseller = session.scalar(select(Reseller).where(Reseller.code == (reseller_code or "").strip()))
    if reseller is None:
        raise RuleViolation.one(N_("No reseller has this code."), "reseller_code")
    principal = session.scalar(select(Principal).where(
        Principal.realm == realm_for(Role.ENDUSER, reseller.id), Principal.login_id == (login_id or "").strip()))
    if principal is None or principal.customer_id is None:
        raise RuleViolation.one(N_("This reseller has no end user with this login ID."), "login_id")
    return session.get(Customer, principal.customer_id)


def is_abuse_locked(customer: Customer) -> bool:
    return customer.status == CustomerStatus.LOCKED.value and bool(customer.lock_reason)


def lock_for_abuse(session, actor, customer: Customer, reason: str) -> list[Work]:
    text = _reason(reason)
    if customer.status == CustomerStatus.CANCELLED.value:
        raise RuleViolation.one(N_("This customer is cancelled."), "login_id")
    if is_abuse_locked(customer):
        raise RuleViolation.one(N_("This customer is already locked for abuse."), "login_id")
    status_before = customer.status
    customer.status = CustomerStatus.LOCKED.value
    customer.lock_reason = text
    audit.record(session, actor, "customer.abuse_lock", customer, f"locked for abuse: {text}",
                 reseller_id=customer.reseller_id, customer_id=customer.id, details={"reason": text})
    return works_after(session, customer, status_before)


def unlock(session, actor, customer: Customer, reason: str) -> list[Work]:
    text = _reason(reason)
    if not is_abuse_locked(customer):
        raise RuleViolation.one(N_("This customer is not locked for abuse."), "reason")
    customer.status = CustomerStatus.ACTIVE.value
    customer.lock_reason = None
    audit.record(session, actor, "customer.abuse_unlock", customer, f"abuse lock lifted: {text}",
                 reseller_id=customer.reseller_id, customer_id=customer.id, details={"reason": text})
    return works_after(session, customer, CustomerStatus.LOCKED.value)


def abuse_locked(session) -> list[Customer]:
    """Every customer the provider holds locked for abuse (provider staff see all resellers')."""
    return list(session.scalars(select(Customer).where(Customer.status == CustomerStatus.LOCKED.value,
                                                       Customer.lock_reason.is_not(None)).order_by(Customer.id)))
