"""What provider staff and a reseller's operators have in common as a team: roles, and the rules
that keep a team able to run itself (tenants/accounts/rights.py says what each role may do).

- Nobody changes their own role, disables their own login or resets their own password here.
- A team always keeps an active member with the top role (the provider's admin, the reseller's
  owner): without one nobody could manage the others.
- A role change ends every session of that login at once: its next request starts from a login
  with the new role. Every change is in the audit log (a reseller's under the reseller, where its
  owner sees it).
"""
from __future__ import annotations

from sqlalchemy import select

from tenants import audit
from tenants.accounts.models import Principal, Role
from tenants.accounts.rights import ResellerAccess, StaffAccess, valid_access
from tenants.accounts.sessions import end_sessions_of
from tenants.errors import N_, Problem, RuleViolation

TOP = {Role.PROVIDER.value: StaffAccess.ADMIN.value, Role.OPERATOR.value: ResellerAccess.OWNER.value}
AUDIT_PREFIX = {Role.PROVIDER.value: "staff", Role.OPERATOR.value: "operator"}


def _team(principal: Principal):
    stmt = select(Principal.id).where(Principal.role == principal.role, Principal.active.is_(True))
    if principal.role == Role.OPERATOR.value:
        stmt = stmt.where(Principal.reseller_id == principal.reseller_id)
    return stmt


def active_ids(session, principal: Principal, access: str | None = None) -> list[int]:
    """The active members of this login's team (with this access); FOR UPDATE, so two members
    demoting or disabling each other at once cannot both leave the team without its top role."""
    stmt = _team(principal)
    if access is not None:
        stmt = stmt.where(Principal.access == access)
    return list(session.execute(stmt.with_for_update()).scalars())


def is_last_top(session, principal: Principal) -> bool:
    top = TOP.get(principal.role)
    return principal.access == top and principal.active and active_ids(session, principal, top) == [principal.id]


def not_oneself(actor, principal: Principal, msgid: str, field: str | None = None) -> None:
    if actor is not None and getattr(actor, "id", None) == principal.id:
        raise RuleViolation.one(msgid, field)


def top_role_problem(principal: Principal) -> Problem:
    if principal.role == Role.PROVIDER.value:
        return Problem(N_("This is the last active admin; make another staff login an admin first."))
    return Problem(N_("This is the last active owner of the reseller; make another operator an owner first."))


def set_access(session, actor, principal: Principal, access: str, address: str | None = None) -> bool:
    """Give a team member another role; True if it changed. Every session of theirs ends."""
    if not valid_access(principal.role, access):
        raise RuleViolation.one(N_("Choose one of the roles offered."), "access")
    if principal.access == access:
        return False
    not_oneself(actor, principal, N_("You cannot change your own role."), "access")
    if is_last_top(session, principal):
        raise RuleViolation(top_role_problem(principal))
    before = principal.access
    principal.access = access
    end_sessions_of(session, principal.id)
    audit.record(session, actor, f"{AUDIT_PREFIX[principal.role]}.role", principal,
                 f"role of {principal.login_id}: {before} → {access}", reseller_id=principal.reseller_id,
                 address=address, details={"from": before, "to": access})
    return True
