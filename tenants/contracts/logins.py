"""The login of a direct managed-service customer (a contract party that is not one of our
resellers): issued and reset by provider staff, the password typed and checked against the policy
or generated and shown once; every issue and reset is in the audit log."""
from __future__ import annotations

from sqlalchemy import select

from tenants import audit
from tenants.accounts.auth import reset_password_of
from tenants.accounts.password_policy import generate_password
from tenants.accounts.principals import create_principal
from tenants.errors import N_, RuleViolation
from tenants.models import ManagedCustomer, Principal, Role


def login_of(session, party: ManagedCustomer) -> Principal | None:
    return session.execute(select(Principal).where(
        Principal.role == Role.MANAGED.value, Principal.managed_customer_id == party.id)).scalar_one_or_none()


# managed terms §10.1 (the contract party): only a direct customer gets a login of its own;
# a reseller party sees its contracts through its operators' business panel
def issue_login(session, actor, party: ManagedCustomer, login_id: str, password: str | None) -> str:
    """A new login for ``party``; returns the password (generated when none is typed) once."""
    if party.reseller_id is not None:
        raise RuleViolation.one(N_("This party is one of our resellers: its operators see the "
                                   "contracts in the business panel."), None)
    if login_of(session, party) is not None:
        raise RuleViolation.one(N_("This customer already has a login; reset its password instead."), None)
    password = password or generate_password()
    principal = create_principal(session, Role.MANAGED, login_id, password, managed_customer_id=party.id,
                                 display_name=party.name)
    session.flush()
    audit.record(session, actor, "managed.login.issue", party, f"issued login {principal.login_id}")
    return password


def reset_password(session, actor, party: ManagedCustomer, password: str | None) -> str:
    """A new password (typed and checked, or generated); every session of the login ends."""
    principal = login_of(session, party)
    if principal is None:
        raise RuleViolation.one(N_("This customer has no login."), None)
    password = reset_password_of(session, principal, password)
    audit.record(session, actor, "managed.login.reset", party, f"reset the password of {principal.login_id}")
    return password
