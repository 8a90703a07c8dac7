"""A reseller's operators, managed by the reseller's owner in the business panel (add, disable or
enable, reset a password, change a role, clear a lost two-factor login) and seen and disabled by
the provider. Every change is in the audit log under the reseller, where its owner sees it; a
disabled login cannot log in and its open sessions end at once (tenants/accounts/sessions.py).
The team rules (never oneself, the last active owner stays) are in tenants/accounts/team.py."""
from __future__ import annotations

from sqlalchemy import select

from tenants import audit
from tenants.accounts import team, totp
from tenants.accounts.auth import reset_password_of
from tenants.accounts.models import Principal, Role
from tenants.accounts.password_policy import generate_password
from tenants.accounts.principals import create_principal
from tenants.accounts.rights import ResellerAccess, valid_access
from tenants.errors import N_, NotFound, RuleViolation


def operators_of(session, reseller_id: int) -> list[Principal]:
    stmt = (select(Principal).where(Principal.role == Role.OPERATOR.value, Principal.reseller_id == reseller_id)
            .order_by(Principal.login_id))
    return list(session.execute(stmt).scalars())


def operator_login(session, reseller_id: int, principal_id) -> Principal:
    """One operator of this reseller by id; anyone else (another reseller's, an end user) is not found."""
    try:
        principal_id = int(principal_id)
    except (TypeError, ValueError):
        raise NotFound("Principal") from None
    found = session.execute(select(Principal).where(
        Principal.id == principal_id, Principal.role == Role.OPERATOR.value,
        Principal.reseller_id == reseller_id)).scalar_one_or_none()
    if found is None:
        raise NotFound("Principal")
    return found


def add_operator(session, actor, reseller_id: int, login_id: str, password: str | None, *,
                 access: str = ResellerAccess.OPERATOR.value, display_name: str = "", email: str | None = None,
                 address: str | None = None) -> tuple[Principal, str | None]:
    """A new operator of the reseller with its role; the typed password (checked) or a generated
    one, returned to be shown once (None when typed)."""
    if not valid_access(Role.OPERATOR.value, access):
        raise RuleViolation.one(N_("Choose one of the roles offered."), "access")
    chosen = password or generate_password()
    principal = create_principal(session, Role.OPERATOR, login_id, chosen, reseller_id=reseller_id, access=access,
                                 display_name=(display_name or "").strip(), email=(email or "").strip() or None)
    session.flush()
    audit.record(session, actor, "operator.create", principal, f"operator login {principal.login_id} ({access})",
                 reseller_id=reseller_id, address=address)
    return principal, None if password else chosen


def set_operator_active(session, actor, principal: Principal, active: bool, address: str | None = None) -> bool:
    """Disable or enable an operator login; True if it changed. Its owner keeps at least one
    active owner; the provider may stop any of them (a stolen password)."""
    if principal.active == active:
        return False
    if not active:
        team.not_oneself(actor, principal, N_("You cannot disable your own login."))
        by_provider = getattr(actor, "role", None) == Role.PROVIDER.value
        if not by_provider and team.is_last_top(session, principal):
            raise RuleViolation(team.top_role_problem(principal))
    principal.active = active  # disabling ends its sessions on this flush
    session.flush()
    audit.record(session, actor, "operator.enable" if active else "operator.disable", principal,
                 f"operator login {principal.login_id} {'enabled' if active else 'disabled'}",
                 reseller_id=principal.reseller_id, address=address)
    return True


def reset_operator_password(session, actor, principal: Principal, password: str | None,
                            address: str | None = None) -> str:
    """A new password for another operator (typed and checked, or generated and shown once);
    every session of theirs ends."""
    team.not_oneself(actor, principal, N_("Change your own password on the Password page: it asks for your "
                                          "current one."), "password")
    password = reset_password_of(session, principal, password)
    audit.record(session, actor, "operator.password_reset", principal,
                 f"reset the password of operator login {principal.login_id}", reseller_id=principal.reseller_id,
                 address=address)
    return password


def set_operator_access(session, actor, principal: Principal, access: str, address: str | None = None) -> bool:
    return team.set_access(session, actor, principal, access, address)


def reset_operator_totp(session, actor, principal: Principal, address: str | None = None) -> None:
    team.not_oneself(actor, principal, N_("Use your own account page for your own two-factor login."))
    totp.reset_for(session, actor, principal, address=address)


def set_reseller_totp_required(session, actor, reseller, required: bool, address: str | None = None) -> None:
    """The provider requires two-factor login of this reseller's operators (or not)."""
    if reseller.require_totp != required:
        reseller.require_totp = required
        audit.record(session, actor, "security.reseller_totp", reseller,
                     f"two-factor login {'required' if required else 'optional'} for the operators of {reseller.code}",
                     reseller_id=reseller.id, address=address)


SECURITY_ACTIONS = ("auth.", "operator.", "api_token.", "security.")


def security_events(session, limit: int = 200):
    """The security events the session's scope may read (a reseller's: its own people's), newest first."""
    from sqlalchemy import or_

    from tenants.audit import AuditLog

    stmt = (select(AuditLog).where(or_(*[AuditLog.action.startswith(a) for a in SECURITY_ACTIONS]),
                                   AuditLog.customer_id.is_(None))
            .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit))
    return list(session.execute(stmt).scalars())
