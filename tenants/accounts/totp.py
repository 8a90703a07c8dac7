"""Two-factor login: a time-based one-time password (TOTP, RFC 6238, through pyotp) from the user's
authenticator app, and ten one-time recovery codes for a lost phone.

- Enrolment: a new secret is kept aside (``totp_pending``) until the first code from the app proves
  it was scanned; only then does it replace the active one, and new recovery codes are issued
  (shown once). Enrolling again works the same way, so the old app keeps working until the new one
  is proven.
- A code counts for its 30-second step and the steps either side (clock drift); each step is
  accepted once per login (``totp_last_step``), so a code seen over a shoulder cannot be replayed.
- Recovery codes are 80 random bits each, stored as SHA-256 only, and each works once.
- Secrets are sealed with ENCRYPTION_KEYS (tenants/crypto.py), bound to their login's row.
- The provider may require two-factor login for all staff, and per reseller for its operators; a
  login that must and has not enrolled can only reach its own account pages until it has.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from sqlalchemy import delete, select, update

from tenants import audit
from tenants.accounts.models import Principal, RecoveryCode, Role, SecurityPolicy
from tenants.accounts.passwords import verify_password
from tenants.db import utcnow
from tenants.errors import N_, RuleViolation
from tenants.tenancy import BYPASS

RECOVERY_CODES = 10
DRIFT_STEPS = 1  # a code of the step before or after the current one is accepted too
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt


def _owner(principal: Principal) -> str:
    return f"principal:{principal.id}"


def enabled(principal: Principal) -> bool:
    return principal.totp_enabled_at is not None and principal.totp_secret is not None


def policy(session) -> SecurityPolicy:
    """The provider's security policy (made on first use)."""
    found = session.execute(select(SecurityPolicy).where(SecurityPolicy.id == 1)
                            .execution_options(**{BYPASS: True})).scalar_one_or_none()
    if found is None:
        found = SecurityPolicy(id=1, staff_totp_required=False)
        session.add(found)
        session.flush()
    return found


def staff_required(session) -> bool:
    row = session.execute(select(SecurityPolicy.staff_totp_required).where(SecurityPolicy.id == 1)
                          .execution_options(**{BYPASS: True})).scalar_one_or_none()
    return bool(row)


def required(session, principal: Principal) -> bool:
    """Whether this login must use two-factor login: all staff when the provider says so, and a
    reseller's operators when the provider says so for that reseller. Optional for everyone else."""
    if principal.role == Role.PROVIDER.value:
        return staff_required(session)
    if principal.role == Role.OPERATOR.value:
        return bool(principal.reseller is not None and principal.reseller.require_totp)
    return False


def must_enrol(session, principal: Principal) -> bool:
    return not enabled(principal) and required(session, principal)


def begin_enrolment(session, box, principal: Principal) -> str:
    """A new secret for the app to scan (the active one, if any, keeps working until it is proven)."""
    secret = pyotp.random_base32()
    principal.totp_pending = box.seal(secret, owner=_owner(principal), field="totp_pending")
    return secret


def pending_secret(box, principal: Principal) -> str | None:
    if not principal.totp_pending:
        return None
    return box.open(principal.totp_pending, owner=_owner(principal), field="totp_pending")


def provisioning_uri(secret: str, login_id: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=login_id, issuer_name=issuer)


def _matching_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    """The time step whose code this is (current ± drift), if it is later than ``after``."""
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def confirm_enrolment(session, box, principal: Principal, code: str, *, address: str | None = None,
                      now: datetime | None = None) -> list[str]:
    """The first code from the app proves the pending secret: it becomes the active one, and new
    recovery codes are returned (to be shown once)."""
    secret = pending_secret(box, principal)
    if secret is None:
        raise RuleViolation.one(N_("Start the set-up again: scan a new QR code."), "code")
    step = _matching_step(secret, code, now or utcnow(), None)
    if step is None:
        raise RuleViolation.one(N_("The code is not correct. Check the time on your phone and enter the "
                                   "code the app shows now."), "code")
    again = enabled(principal)
    principal.totp_secret = box.seal(secret, owner=_owner(principal), field="totp_secret")
    principal.totp_pending = None
    principal.totp_enabled_at = now or utcnow()
    principal.totp_last_step = step
    codes = new_recovery_codes(session, principal)
    audit.record(session, principal, "auth.2fa_enrolled",
                 summary=f"{'set up two-factor login again' if again else 'turned on two-factor login'}",
                 reseller_id=principal.reseller_id, customer_id=principal.customer_id, address=address)
    return codes


def new_recovery_codes(session, principal: Principal) -> list[str]:
    """Ten fresh one-time codes; the old ones stop working."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.principal_id == principal.id)
                    .execution_options(**{BYPASS: True}))
    codes = ["-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))
             for _ in range(RECOVERY_CODES)]
    session.add_all([RecoveryCode(principal_id=principal.id, code_digest=_digest(c)) for c in codes])
    return codes


def _digest(code: str) -> str:
    return hashlib.sha256("".join(code.lower().split()).replace("-", "").encode()).hexdigest()


def unused_recovery_codes(session, principal: Principal) -> int:
    rows = session.execute(select(RecoveryCode.id).where(RecoveryCode.principal_id == principal.id,
                                                         RecoveryCode.used_at.is_(None))
                           .execution_options(**{BYPASS: True})).all()
    return len(rows)


def check_second_factor(session, box, principal: Principal, code: str, now: datetime | None = None) -> str | None:
    """At login: "totp" for a fresh code of the app, "recovery" for an unused recovery code (now
    used up), None for anything else (a wrong code, one already used, a used recovery code). Each
    is taken in one conditional UPDATE, so two requests cannot both use the same one."""
    now = now or utcnow()
    if not enabled(principal):
        return None
    secret = box.open(principal.totp_secret, owner=_owner(principal), field="totp_secret")
    step = _matching_step(secret, code, now, principal.totp_last_step)
    if step is not None:
        last = Principal.totp_last_step
        taken = session.execute(update(Principal).where(
            Principal.id == principal.id, (last.is_(None)) | (last < step)).values(totp_last_step=step)
            .execution_options(synchronize_session=False, **{BYPASS: True})).rowcount
        if taken == 1:
            principal.totp_last_step = step
            return "totp"
        return None
    taken = session.execute(update(RecoveryCode).where(
        RecoveryCode.principal_id == principal.id, RecoveryCode.code_digest == _digest(code or ""),
        RecoveryCode.used_at.is_(None)).values(used_at=now)
        .execution_options(synchronize_session=False, **{BYPASS: True})).rowcount
    return "recovery" if taken == 1 else None


def turn_off(session, principal: Principal, password: str, *, address: str | None = None) -> None:
    """One's own two-factor login off, with one's password; not while it is required."""
    if required(session, principal):
        raise RuleViolation.one(N_("Two-factor login is required for your login; it cannot be turned off."))
    if not verify_password(principal.password_hash, password or ""):
        raise RuleViolation.one(N_("The password is not correct."), "password")
    clear(session, principal)
    audit.record(session, principal, "auth.2fa_disabled", summary="turned off two-factor login",
                 reseller_id=principal.reseller_id, customer_id=principal.customer_id, address=address)


def clear(session, principal: Principal) -> None:
    principal.totp_secret = principal.totp_pending = None
    principal.totp_enabled_at = principal.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.principal_id == principal.id)
                    .execution_options(**{BYPASS: True}))


def reset_for(session, actor, principal: Principal, *, address: str | None = None) -> None:
    """Someone who lost both phone and recovery codes: an admin (or the reseller's owner) clears
    their two-factor login; they log in with their password and, where it is required, enrol again
    at once. Every session of theirs ends."""
    from tenants.accounts.sessions import end_sessions_of

    clear(session, principal)
    end_sessions_of(session, principal.id)
    audit.record(session, actor, "auth.2fa_reset", principal,
                 f"cleared the two-factor login of {principal.role} login {principal.login_id}",
                 reseller_id=principal.reseller_id, address=address)
