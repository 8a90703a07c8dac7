"""Password reset by e-mail, for every kind of login.

- Asking: the answer is the same whether or not a login has that address, and so is the time it
  takes: the request only records the attempt (for throttling) and hands the address to a job
  (workers/jobs/accounts.py), which looks it up and queues the mail in the outbox.
- The link holds a token signed with SECRET_KEY over the login's id, the time it was made and a
  digest of the login's current password hash: it expires after 30 minutes, and dies as soon as
  the password changes — so it works once (using it changes the password), and an older link dies
  when a newer one is used or the password is changed any other way.
- A mail to an end user is under its reseller's brand (From its brand name, Reply-To its support
  address); the provider's name never appears in it.
- Throttled: per address and per e-mail address, within the login throttling window.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from tenants import audit
from tenants.accounts.auth import record_attempt, set_password
from tenants.accounts.models import LoginAttempt, Principal, Role
from tenants.accounts.password_policy import password_problems
from tenants.accounts.sessions import may_log_in
from tenants.customers.models import Customer
from tenants.db import utcnow
from tenants.errors import N_, Problem, RuleViolation
from tenants.outbox import rules as outbox
from tenants.outbox.text import render
from tenants.tenancy import BYPASS

TOKEN_LIFETIME = timedelta(minutes=30)
WINDOW = timedelta(minutes=15)
MAX_PER_ADDRESS = 5   # reset requests from one address within the window
MAX_PER_EMAIL = 3     # ... and for one e-mail address

SUBJECT = N_("Password reset for %(login)s")
BODY = N_("Someone (we hope you) asked to reset the password of the login %(login)s at %(site)s.\n\n"
          "Open this link within 30 minutes to choose a new password:\n%(link)s\n\n"
          "The link works once. If you did not ask for this, ignore this mail: your password stays as it is.")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _mac(secret_key: str, principal: Principal, made: int) -> str:
    bound = hashlib.sha256(principal.password_hash.encode()).hexdigest()
    message = f"password-reset:{principal.id}:{made}:{bound}".encode()
    return _b64(hmac.new(secret_key.encode(), message, hashlib.sha256).digest())


def make_token(secret_key: str, principal: Principal, now: datetime | None = None) -> str:
    made = int((now or utcnow()).timestamp())
    return f"{principal.id}.{made}.{_mac(secret_key, principal, made)}"


def principal_for_token(session, secret_key: str, token: str, realm: str,
                        now: datetime | None = None) -> Principal | None:
    """The login of this realm a reset link is for, while the link is good: not expired, the
    password unchanged since it was made, and the login allowed to log in."""
    try:
        id_text, made_text, mac = (token or "").split(".")
        principal_id, made = int(id_text), int(made_text)
    except ValueError:
        return None
    now = now or utcnow()
    if not 0 <= now.timestamp() - made <= TOKEN_LIFETIME.total_seconds():
        return None
    principal = session.execute(select(Principal).where(Principal.id == principal_id)
                                .execution_options(**{BYPASS: True})).scalar_one_or_none()
    if principal is None or principal.realm != realm or not hmac.compare_digest(
            _mac(secret_key, principal, made), mac):
        return None
    return principal if may_log_in(principal) else None


def note_request(session, realm: str, email: str, address: str, now: datetime | None = None) -> bool:
    """Record a reset request; False when it is throttled (too many from this address or for this
    e-mail address). The same work whether or not the address belongs to a login."""
    now = now or utcnow()
    email = (email or "").strip().lower()[:64]
    recent = (select(func.count()).select_from(LoginAttempt)
              .where(LoginAttempt.realm == f"reset:{realm}"[:40], LoginAttempt.at > now - WINDOW))
    per_address = session.execute(recent.where(LoginAttempt.address == address[:64])).scalar_one()
    per_email = session.execute(recent.where(LoginAttempt.login_id == email)).scalar_one()
    record_attempt(session, f"reset:{realm}"[:40], email, address, None, False, now)
    return per_address < MAX_PER_ADDRESS and per_email < MAX_PER_EMAIL


def logins_with_email(session, realm: str, email: str) -> list[Principal]:
    """The logins of a realm that this address belongs to (an end user's also by its customer's
    contact address, a managed customer's by its contract party's)."""
    from tenants.contracts.models import ManagedCustomer

    email = (email or "").strip().lower()
    if not email:
        return []
    stmt = (select(Principal).outerjoin(Customer, Customer.id == Principal.customer_id)
            .outerjoin(ManagedCustomer, ManagedCustomer.id == Principal.managed_customer_id)
            .where(Principal.realm == realm,
                   or_(func.lower(Principal.email) == email, func.lower(Customer.contact_email) == email,
                       func.lower(ManagedCustomer.contact_email) == email))
            .order_by(Principal.id).execution_options(**{BYPASS: True}))
    return [p for p in session.execute(stmt).scalars() if may_log_in(p)]


def queue_reset_mails(session, secret_key: str, realm: str, email: str, link_for, site: str,
                      now: datetime | None = None) -> list[int]:
    """The job's half: one mail per login of the realm with this address, each with its own link
    (``link_for(token)``); nothing for an address no login has. Returns the mails' ids."""
    ids = []
    for principal in logins_with_email(session, realm, email):
        token = make_token(secret_key, principal, now)
        reseller = principal.reseller if principal.role == Role.ENDUSER.value else None
        params = {"login": principal.login_id, "site": reseller.brand_name if reseller else site,
                  "link": link_for(token)}
        locale = principal.locale or "ja"
        subject, body = render((SUBJECT, params), locale), render((BODY, params), locale)
        if reseller is not None:  # OEM spec: the end user hears from its reseller only
            mail = outbox.queue_to_end_user(session, reseller, "password_reset", [email], subject, body,
                                            customer_id=principal.customer_id)
        else:  # no dedup key: always queued
            mail = outbox.queue(session, "password_reset", email, subject, body,
                                reseller_id=principal.reseller_id)
        session.flush()
        assert mail is not None  # queued without a dedup key: never skipped
        ids.append(mail.id)
        audit.record(session, None, "auth.password_reset_mail", None, f"password reset link mailed to {email}",
                     reseller_id=principal.reseller_id, customer_id=principal.customer_id,
                     actor_name=f"{principal.role}:{principal.login_id}")
    return ids


def reset_password(session, secret_key: str, token: str, realm: str, new: str, confirm: str, *,
                   address: str | None = None, now: datetime | None = None) -> Principal:
    """Set a new password from a reset link; every session of the login ends, and the link (and any
    other link made before) dies with the old password."""
    principal = principal_for_token(session, secret_key, token, realm, now)
    if principal is None:
        raise RuleViolation.one(N_("This link has expired or has been used already. Ask for a new one."))
    problems: list[Problem] = []
    if new != confirm:
        problems.append(Problem(N_("The two new passwords differ."), "confirm_password"))
    problems += password_problems(new, principal.login_id, field="new_password")
    if problems:
        raise RuleViolation(problems)
    set_password(session, principal, new)
    audit.record(session, principal, "auth.password_reset", None, "set a new password from a reset link",
                 reseller_id=principal.reseller_id, customer_id=principal.customer_id, address=address)
    return principal
