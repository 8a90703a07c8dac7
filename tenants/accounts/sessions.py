"""Login sessions kept on the server: a browser's cookie carries only a random token, and the row it
names decides on every request whether it still opens anything.

A session ends when its user logs out, when it has been idle too long or is too old, when its
password changes (the others end), and at once when the login or its reseller is stopped or its
customer cancelled (a suspended or locked customer's sessions stay: they see the read-only panel),
whichever path stopped it (a form, the API, a CSV import, a worker), because the check runs on every
flush of a changed status (``_end_sessions_of_stopped``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, event, inspect, or_, select
from sqlalchemy.orm import joinedload

from tenants.accounts.models import LoginSession, Principal, Role, new_session_token, token_digest
from tenants.customers.models import Customer, CustomerStatus
from tenants.db import utcnow
from tenants.errors import NotFound
from tenants.resellers.models import Reseller
from tenants.tenancy import BYPASS, ScopedSession

TOUCH_EVERY = timedelta(minutes=1)  # last use is written at most this often (not on every request)


@dataclass(frozen=True)
class Lifetime:
    idle: timedelta = timedelta(hours=2)      # no request for this long: the session ends
    absolute: timedelta = timedelta(hours=12)  # however busy, a login lasts at most this long


def open_session(session, principal: Principal, address: str | None = None,
                 user_agent: str | None = None, now: datetime | None = None) -> str:
    """Start a session for a principal who just proved who they are; the token goes in the cookie."""
    now = now or utcnow()
    token = new_session_token()
    session.add(LoginSession(principal_id=principal.id, token_digest=token_digest(token), created_at=now,
                             last_seen_at=now, address=(address or "")[:64] or None,
                             user_agent=(user_agent or "")[:300] or None))
    principal.session_token = token
    return token


def principal_for_session(session, token: str, lifetime: Lifetime = Lifetime(),
                          now: datetime | None = None) -> Principal | None:
    """The principal a live session token belongs to, or None (an ended, idle or expired session
    ends here for good; a stopped login or tenant opens nothing)."""
    if not token:
        return None
    now = now or utcnow()
    stmt = (select(LoginSession, Principal).join(Principal, Principal.id == LoginSession.principal_id)
            .where(LoginSession.token_digest == token_digest(token))
            # what the layouts show, in the same round trip (this runs on every request)
            .options(joinedload(Principal.reseller), joinedload(Principal.customer),
                     joinedload(Principal.managed_customer))
            .execution_options(**{BYPASS: True}))
    row = session.execute(stmt).unique().first()
    if row is None:
        return None
    login, principal = row
    if now - login.last_seen_at > lifetime.idle or now - login.created_at > lifetime.absolute \
            or not may_log_in(principal):
        session.execute(delete(LoginSession).where(LoginSession.id == login.id))
        session.commit()
        return None
    if now - login.last_seen_at > TOUCH_EVERY:
        login.last_seen_at = now
        session.commit()
    principal.session_token = token
    return principal


def may_log_in(principal: Principal) -> bool:
    """Whether this login may be used at all: active, and its tenant too (OEM spec 顧客管理: a
    cancelled customer's login ends; a suspended reseller's operators and end users are stopped)."""
    if not principal.active:
        return False
    if principal.role == Role.PROVIDER.value:
        return True
    if principal.role == Role.MANAGED.value:  # a direct contract party (never one of our resellers)
        party = principal.managed_customer
        return party is not None and party.reseller_id is None
    if principal.reseller is None or not principal.reseller.is_active:
        return False
    if principal.role == Role.ENDUSER.value:
        customer = principal.customer
        return customer is not None and customer.status != CustomerStatus.CANCELLED.value
    return True


def end_session(session, token: str | None) -> None:
    """Logout: this session's row goes, so its cookie opens nothing any more."""
    if token:
        session.execute(delete(LoginSession).where(LoginSession.token_digest == token_digest(token))
                        .execution_options(**{BYPASS: True}))


def end_sessions_of(session, principal_id: int, keep_token: str | None = None) -> None:
    """Every session of one login ends (but the one it is using now, when given)."""
    stmt = delete(LoginSession).where(LoginSession.principal_id == principal_id)
    if keep_token:
        stmt = stmt.where(LoginSession.token_digest != token_digest(keep_token))
    session.execute(stmt.execution_options(**{BYPASS: True}))


def sessions_of(session, principal_id: int) -> list[LoginSession]:
    """One login's open sessions, the most recently used first."""
    stmt = (select(LoginSession).where(LoginSession.principal_id == principal_id)
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc()))
    return list(session.execute(stmt.execution_options(**{BYPASS: True})).scalars())


def end_own_session(session, principal_id: int, session_id) -> LoginSession:
    """One of one's own sessions ends (say, a browser left logged in elsewhere); another login's
    session is not found."""
    try:
        session_id = int(session_id)
    except (TypeError, ValueError):
        raise NotFound("LoginSession") from None
    found = session.execute(select(LoginSession).where(LoginSession.id == session_id,
                                                       LoginSession.principal_id == principal_id)
                            .execution_options(**{BYPASS: True})).scalar_one_or_none()
    if found is None:
        raise NotFound("LoginSession")
    session.execute(delete(LoginSession).where(LoginSession.id == found.id).execution_options(**{BYPASS: True}))
    return found


def is_current(login: LoginSession, token: str | None) -> bool:
    return token is not None and login.token_digest == token_digest(token)


def prune_sessions(session, lifetime: Lifetime = Lifetime(), now: datetime | None = None) -> int:
    """Remove the rows of sessions that have ended by idleness or age (they open nothing already)."""
    now = now or utcnow()
    stmt = delete(LoginSession).where((LoginSession.last_seen_at < now - lifetime.idle)
                                      | (LoginSession.created_at < now - lifetime.absolute))
    return session.execute(stmt.execution_options(**{BYPASS: True})).rowcount


def _became(obj, attr: str, stopped) -> bool:
    history = inspect(obj).attrs[attr].history
    return bool(history.added) and stopped(history.added[0]) and not (
        history.deleted and stopped(history.deleted[0]))


def _stopped_logins(session) -> list[tuple[str, int]]:
    """(principals column, value) naming the logins whose sessions end because of this flush."""
    found = []
    for obj in session.dirty:
        if isinstance(obj, Principal) and _became(obj, "active", lambda v: not v):
            found.append(("id", obj.id))
        # a suspended or locked customer's open sessions stay and show the read-only panel at once
        # (issue 16 item 1: it may look, not change); a cancelled one may no longer log in
        elif isinstance(obj, Customer) and _became(obj, "status", lambda v: v == CustomerStatus.CANCELLED.value):
            found.append(("customer_id", obj.id))
        elif isinstance(obj, Reseller) and _became(obj, "status", lambda v: v != "active"):
            found.append(("reseller_id", obj.id))
    return found


@event.listens_for(ScopedSession, "before_flush")
def _note_stopped(session, _ctx, _instances):
    found = _stopped_logins(session)
    if found:
        session.info.setdefault("end_sessions", []).extend(found)


@event.listens_for(ScopedSession, "after_flush")
def _end_sessions_of_stopped(session, _ctx):
    found = session.info.pop("end_sessions", None)
    if not found:
        return
    principals, sessions = Principal.__table__, LoginSession.__table__
    logins = select(principals.c.id).where(or_(*[principals.c[column] == value for column, value in found]))
    session.connection().execute(delete(sessions).where(sessions.c.principal_id.in_(logins)))
