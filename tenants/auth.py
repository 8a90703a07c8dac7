"""Logging in, throttling failed logins, and changing one's own password."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from tenants import audit
from tenants.db import utcnow
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import LoginAttempt, Principal, Reseller, Role
from tenants.models.principal import realm_for
from tenants.password_policy import generate_password, password_problems
from tenants.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from tenants.tenancy import BYPASS

MAX_FAILURES = 10      # failed logins allowed per account or per address ...
WINDOW = timedelta(minutes=15)  # ... within this window, then refused until it slides past


@dataclass
class LoginOutcome:
    principal: Principal | None = None
    throttled: bool = False


def principal_for_token(session, token: str) -> Principal | None:
    """The principal whose current session token this is (a rotated token finds nobody)."""
    if not token:
        return None
    stmt = (select(Principal).where(Principal.session_token == token, Principal.active.is_(True))
            # what the layouts show, in the same round trip (this runs on every request)
            .options(joinedload(Principal.reseller), joinedload(Principal.customer),
                     joinedload(Principal.managed_customer)))
    return session.execute(stmt.execution_options(**{BYPASS: True})).unique().scalar_one_or_none()


def reseller_for_code(session, code: str) -> Reseller | None:
    stmt = select(Reseller).where(Reseller.code == code)
    return session.execute(stmt.execution_options(**{BYPASS: True})).scalar_one_or_none()


def reseller_for_host(session, host: str) -> Reseller | None:
    stmt = select(Reseller).where(Reseller.panel_host == host.lower())
    return session.execute(stmt.execution_options(**{BYPASS: True})).scalar_one_or_none()


def reseller_logo(session, reseller_id: int) -> tuple[str, bytes] | None:
    stmt = select(Reseller.logo_mime, Reseller.logo_data).where(Reseller.id == reseller_id)
    row = session.execute(stmt.execution_options(**{BYPASS: True})).first()
    return (row[0], row[1]) if row and row[0] and row[1] else None


def is_throttled(session, realm: str, login_id: str, address: str, now=None,
                 max_failures: int = MAX_FAILURES, window: timedelta = WINDOW) -> bool:
    now = now or utcnow()
    since = now - window
    failures = (select(func.count()).select_from(LoginAttempt)
                .where(LoginAttempt.succeeded.is_(False), LoginAttempt.at > since))
    per_account = session.execute(failures.where(LoginAttempt.realm == realm,
                                                 LoginAttempt.login_id == login_id)).scalar_one()
    per_address = session.execute(failures.where(LoginAttempt.address == address)).scalar_one()
    return per_account >= max_failures or per_address >= max_failures


def authenticate(session, role: Role, login_id: str, password: str, address: str, *,
                 reseller: Reseller | None = None, now=None) -> LoginOutcome:
    """Check a login; record the attempt; refuse while the account or address is throttled."""
    now = now or utcnow()
    login_id = (login_id or "").strip()
    realm = realm_for(role, reseller.id if reseller else None)
    if is_throttled(session, realm, login_id, address, now):
        return LoginOutcome(throttled=True)
    stmt = select(Principal).where(Principal.realm == realm, Principal.login_id == login_id,
                                   Principal.role == role.value)
    principal = session.execute(stmt.execution_options(**{BYPASS: True})).scalar_one_or_none()
    ok = verify_password(principal.password_hash if principal else DUMMY_HASH, password)
    ok = ok and principal is not None and principal.active and _tenant_allows_login(principal)
    session.add(LoginAttempt(realm=realm, login_id=login_id[:64], address=address[:64],
                             succeeded=bool(ok), at=now))
    if not ok:
        session.commit()
        return LoginOutcome()
    if needs_rehash(principal.password_hash):
        principal.password_hash = hash_password(password)
    principal.last_login_at = now
    session.commit()
    return LoginOutcome(principal=principal)


def _tenant_allows_login(principal: Principal) -> bool:
    if principal.role == Role.PROVIDER.value:
        return True
    if principal.role == Role.MANAGED.value:  # a direct contract party (never one of our resellers)
        party = principal.managed_customer
        return party is not None and party.reseller_id is None
    if principal.reseller is None or not principal.reseller.is_active:
        return False
    if principal.role == Role.ENDUSER.value:
        customer = principal.customer
        return customer is not None and customer.status != "cancelled"
    return True


def change_own_password(session, principal: Principal, current: str, new: str, confirm: str,
                        address: str | None = None) -> None:
    """Change one's own password; every other session of this principal ends (token rotation)."""
    problems: list[Problem] = []
    if not verify_password(principal.password_hash, current):
        problems.append(Problem(N_("The current password is not correct."), "current_password"))
    if new != confirm:
        problems.append(Problem(N_("The two new passwords differ."), "confirm_password"))
    problems += password_problems(new, principal.login_id, field="new_password")
    if problems:
        raise RuleViolation(problems)
    set_password(session, principal, new)
    audit.record(session, principal, "password.change", principal, "changed own password",
                 customer_id=principal.customer_id, address=address)


def set_password(session, principal: Principal, new: str) -> None:
    principal.password_hash = hash_password(new)
    principal.password_changed_at = utcnow()
    principal.rotate_session_token()


def reset_password_of(session, principal: Principal, password: str | None) -> str:
    """Sets a typed password (checked against the policy) or a generated one and returns it, to be
    shown once; every session of the login ends."""
    if password:
        problems = password_problems(password, principal.login_id)
        if problems:
            raise RuleViolation(problems)
    password = password or generate_password()
    set_password(session, principal, password)
    return password


def login_id_taken(session, role: Role, reseller_id: int | None, login_id: str) -> bool:
    stmt = (select(Principal.id)
            .where(Principal.realm == realm_for(role, reseller_id), Principal.login_id == login_id)
            .execution_options(**{BYPASS: True}))
    return session.execute(stmt).first() is not None


def prune_login_attempts(session, older_than: timedelta = timedelta(days=30), now=None) -> int:
    cutoff = (now or utcnow()) - older_than
    rows = session.query(LoginAttempt).filter(or_(LoginAttempt.at < cutoff)).delete()
    return rows
