"""Provider staff logins: the first one is made on the command line (`flask --app app create-admin`),
the others are added, disabled, enabled and given new passwords by staff in the provider admin.
Every change is in the audit log. A disabled login cannot log in and its open sessions end at once
(tenants/accounts/sessions.py ends them on the flush that disables it)."""
from __future__ import annotations

from sqlalchemy import select

from tenants import audit
from tenants.accounts import team, totp
from tenants.accounts.auth import login_id_taken, reset_password_of
from tenants.accounts.password_policy import generate_password
from tenants.accounts.principals import create_principal, login_id_problems
from tenants.accounts.rights import StaffAccess, valid_access
from tenants.errors import N_, NotFound, Problem, RuleViolation
from tenants.models import Principal, Role


def staff_logins(session) -> list[Principal]:
    return list(session.execute(select(Principal).where(Principal.role == Role.PROVIDER.value)
                                .order_by(Principal.login_id)).scalars())


def staff_login(session, principal_id) -> Principal:
    """One provider login by id; any other id (an operator, an end user, none) is not found."""
    try:
        principal_id = int(principal_id)
    except (TypeError, ValueError):
        raise NotFound("Principal") from None
    found = session.execute(select(Principal).where(Principal.id == principal_id,
                                                    Principal.role == Role.PROVIDER.value)).scalar_one_or_none()
    if found is None:
        raise NotFound("Principal")
    return found


def new_login_id_problems(session, login_id: str) -> list[Problem]:
    """Why this login ID cannot be a new provider login (asked before the password is typed)."""
    login_id = (login_id or "").strip().lower()
    problems = login_id_problems(login_id)
    if not problems and login_id_taken(session, Role.PROVIDER, None, login_id):
        problems.append(Problem(N_("This login ID is already in use."), "login_id"))
    return problems


def create_staff(session, actor, login_id: str, password: str | None, *, confirm: str | None = None,
                 display_name: str = "", email: str | None = None, address: str | None = None,
                 how: str = "added in the provider admin",
                 access: str = StaffAccess.ADMIN.value) -> tuple[Principal, str | None]:
    """A new provider login with its role (admin, operator or auditor) and the typed password
    (checked against the password policy; typed twice when ``confirm`` is given) or, when none is
    typed, a generated one. Returns the login and the generated password, which is shown once and
    never again (None when it was typed)."""
    if password and confirm is not None and password != confirm:
        raise RuleViolation.one(N_("The two passwords differ."), "confirm_password")
    if not valid_access(Role.PROVIDER.value, access):
        raise RuleViolation.one(N_("Choose one of the roles offered."), "access")
    chosen = password or generate_password()
    principal = create_principal(session, Role.PROVIDER, login_id, chosen, access=access,
                                 display_name=(display_name or "").strip(), email=(email or "").strip() or None)
    session.flush()
    audit.record(session, actor, "staff.create", principal, f"provider login {principal.login_id} {how} ({access})",
                 address=address)
    return principal, None if password else chosen


def _active_staff_ids(session) -> list[int]:
    # FOR UPDATE: two staff disabling each other at the same moment cannot both leave no one active
    stmt = select(Principal.id).where(Principal.role == Role.PROVIDER.value, Principal.active.is_(True))
    return list(session.execute(stmt.with_for_update()).scalars())


def set_staff_active(session, actor, principal: Principal, active: bool, address: str | None = None) -> bool:
    """Disable or enable a provider login; True if it changed. Nobody disables their own login, and
    the last active provider login stays: without it nobody could run the provider admin."""
    if principal.active == active:
        return False
    if not active:
        problems: list[Problem] = []
        if actor is not None and actor.id == principal.id:
            problems.append(Problem(N_("You cannot disable your own login.")))
        elif _active_staff_ids(session) == [principal.id]:
            problems.append(Problem(N_("This is the last active provider login; enable or add another "
                                       "one first.")))
        elif team.is_last_top(session, principal):
            problems.append(team.top_role_problem(principal))
        if problems:
            raise RuleViolation(problems)
    principal.active = active  # disabling ends its sessions on this flush (tenants/accounts/sessions.py)
    session.flush()
    audit.record(session, actor, "staff.enable" if active else "staff.disable", principal,
                 f"provider login {principal.login_id} {'enabled' if active else 'disabled'}", address=address)
    return True


def reset_staff_password(session, actor, principal: Principal, password: str | None,
                         address: str | None = None) -> str:
    """A new password for another staff member (typed and checked, or generated and shown once);
    every session of theirs ends. One's own password is changed with the current one instead."""
    if actor is not None and actor.id == principal.id:
        raise RuleViolation.one(N_("Change your own password on the Password page: it asks for your "
                                   "current one."), "password")
    password = reset_password_of(session, principal, password)
    audit.record(session, actor, "staff.password_reset", principal,
                 f"reset the password of provider login {principal.login_id}", address=address)
    return password


def set_staff_access(session, actor, principal: Principal, access: str, address: str | None = None) -> bool:
    """Make a staff member an admin, an operator or an auditor (never oneself; the last active
    admin stays one); every session of theirs ends."""
    return team.set_access(session, actor, principal, access, address)


def reset_staff_totp(session, actor, principal: Principal, address: str | None = None) -> None:
    """A staff member lost phone and recovery codes: their two-factor login is cleared."""
    team.not_oneself(actor, principal, N_("Use your own account page for your own two-factor login."))
    totp.reset_for(session, actor, principal, address=address)


def set_staff_totp_required(session, actor, required: bool, address: str | None = None) -> None:
    """Two-factor login required for all staff (or not); who has not set it up must do so at their
    next request."""
    policy = totp.policy(session)
    if policy.staff_totp_required != required:
        policy.staff_totp_required = required
        audit.record(session, actor, "security.staff_totp", None,
                     f"two-factor login {'required' if required else 'optional'} for provider staff", address=address)
