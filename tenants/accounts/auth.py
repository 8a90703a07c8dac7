"""Logging in, throttling failed logins, and changing one's own password (sessions: tenants/sessions.py)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select

from tenants import audit
from tenants.accounts.models import realm_for
from tenants.accounts.password_policy import generate_password, password_problems
from tenants.accounts.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from tenants.accounts.sessions import end_sessions_of, may_log_in
from tenants.db import utcnow
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import LoginAttempt, Principal, Reseller, Role
from tenants.tenancy import BYPASS

MAX_FAILURES = 10      # failed logins allowed per address, and per account from browsers it does not know,
WINDOW = timedelta(minutes=15)  # ... within this window, then refused until it slides past
DEVICE_FAILURES = 5    # a known browser that fails this often within the window is known no more
DEVICE_KNOWN_FOR = timedelta(days=30)  # a browser that logged in to the account within this time is known


@dataclass
class LoginOutcome:
    principal: Principal | None = None
    throttled: bool = False


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


def new_device_id() -> str:
    """A browser's own random name, kept in a long-lived cookie: the browsers an account has logged in
    from before stay able to log in while someone else guesses its password elsewhere."""
    return secrets.token_urlsafe(24)


def is_throttled(session, realm: str, login_id: str, address: str, device: str | None = None, now=None,
                 max_failures: int = MAX_FAILURES, window: timedelta = WINDOW) -> bool:
    """Refuse further tries for a while: from an address that failed too often (any account), and for
    an account that failed too often — except from a browser that logged in to it before and has not
    failed often itself, so an attacker can lock out neither the owner nor everyone behind one proxy."""
    now = now or utcnow()
    failures = (select(func.count()).select_from(LoginAttempt)
                .where(LoginAttempt.succeeded.is_(False), LoginAttempt.at > now - window))
    if device and _known_device(session, realm, login_id, device, now):
        own = session.execute(failures.where(LoginAttempt.device == device)).scalar_one()
        if own < DEVICE_FAILURES:
            return False
    per_account = session.execute(failures.where(LoginAttempt.realm == realm,
                                                 LoginAttempt.login_id == login_id)).scalar_one()
    per_address = session.execute(failures.where(LoginAttempt.address == address)).scalar_one()
    return per_account >= max_failures or per_address >= max_failures


def _known_device(session, realm: str, login_id: str, device: str, now) -> bool:
    stmt = select(LoginAttempt.id).where(
        LoginAttempt.realm == realm, LoginAttempt.login_id == login_id, LoginAttempt.device == device,
        LoginAttempt.succeeded.is_(True), LoginAttempt.at > now - DEVICE_KNOWN_FOR).limit(1)
    return session.execute(stmt).first() is not None


def authenticate(session, role: Role, login_id: str, password: str, address: str, *,
                 reseller: Reseller | None = None, device: str | None = None, now=None) -> LoginOutcome:
    """Check a login; record the attempt; refuse while the account or address is throttled."""
    now = now or utcnow()
    login_id = (login_id or "").strip()
    realm = realm_for(role, reseller.id if reseller else None)
    device = (device or "")[:64] or None
    stmt = select(Principal).where(Principal.realm == realm, Principal.login_id == login_id,
                                   Principal.role == role.value)
    principal = session.execute(stmt.execution_options(**{BYPASS: True})).scalar_one_or_none()
    if is_throttled(session, realm, login_id, address, device, now):
        security_event(session, "auth.login_throttled", role, login_id, principal, address,
                       "login refused: too many failed logins", reseller=reseller)
        session.commit()
        return LoginOutcome(throttled=True)
    ok = verify_password(principal.password_hash if principal else DUMMY_HASH, password)
    ok = ok and principal is not None and may_log_in(principal)
    record_attempt(session, realm, login_id, address, device, bool(ok), now)
    if not ok:
        security_event(session, "auth.login_failed", role, login_id, principal, address,
                       "failed login: wrong login ID or password, or a stopped login", reseller=reseller)
        session.commit()
        return LoginOutcome()
    if needs_rehash(principal.password_hash):
        principal.password_hash = hash_password(password)
    session.commit()
    return LoginOutcome(principal=principal)


def record_attempt(session, realm: str, login_id: str, address: str, device: str | None, succeeded: bool,
                   now=None) -> None:
    session.add(LoginAttempt(realm=realm, login_id=login_id[:64], address=address[:64], device=device,
                             succeeded=succeeded, at=now or utcnow()))


def security_event(session, action: str, role: Role | str, login_id: str, principal: Principal | None,
                   address: str | None, summary: str, *, reseller: Reseller | None = None,
                   details: dict | None = None) -> None:
    """A login, a failed one, a lockout, a second factor: in the audit log under the login it was
    for (its reseller's owner sees those of its people), whether or not the login ID exists."""
    label = f"{Role(role).value}:{(login_id or '')[:64]}"
    reseller_id = principal.reseller_id if principal is not None else (reseller.id if reseller else None)
    audit.record(session, principal, action, None, summary, reseller_id=reseller_id,
                 customer_id=principal.customer_id if principal is not None else None, address=address,
                 details=details, actor_name=None if principal is not None else label)


def logged_in(session, principal: Principal, address: str | None, user_agent: str | None,
              second_factor: str | None = None, now=None) -> None:
    """The login went through (password, and the second factor where it has one): on record."""
    principal.last_login_at = now or utcnow()
    how = {"totp": " with an authenticator code", "recovery": " with a recovery code"}.get(second_factor or "", "")
    security_event(session, "auth.login", principal.role, principal.login_id, principal, address,
                   f"logged in{how}", details={"user_agent": (user_agent or "")[:200]} if user_agent else None)


def change_own_password(session, principal: Principal, current: str, new: str, confirm: str,
                        address: str | None = None, keep_token: str | None = None) -> None:
    """Change one's own password; every other session of this principal ends (token rotation)."""
    problems: list[Problem] = []
    if not verify_password(principal.password_hash, current):
        problems.append(Problem(N_("The current password is not correct."), "current_password"))
    if new != confirm:
        problems.append(Problem(N_("The two new passwords differ."), "confirm_password"))
    problems += password_problems(new, principal.login_id, field="new_password")
    if problems:
        raise RuleViolation(problems)
    set_password(session, principal, new, keep_token=keep_token)
    audit.record(session, principal, "password.change", principal, "changed own password",
                 customer_id=principal.customer_id, address=address)


def set_password(session, principal: Principal, new: str, keep_token: str | None = None) -> None:
    """A new password; every session of the login ends but the one it is changed from (if any)."""
    principal.password_hash = hash_password(new)
    principal.password_changed_at = utcnow()
    end_sessions_of(session, principal.id, keep_token=keep_token)


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
