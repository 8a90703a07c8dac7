"""Who logs in: provider staff, reseller operators, end users and managed customers, and the login
attempt log."""
from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import Scope, TenantScoped, TenantScopeError


class Role(enum.StrEnum):
    PROVIDER = "provider"  # provider staff: internal admin (/admin)
    OPERATOR = "operator"  # reseller operator: business panel (/panel)
    ENDUSER = "enduser"    # end user: end-user panel (/u/<code>/)
    MANAGED = "managed"    # managed customer: a direct managed-service contract party (/managed)


def realm_for(role: Role | str, reseller_id: int | None) -> str:
    """Login IDs are unique within a realm: all staff, all operators, all managed customers, or one
    reseller's end users."""
    role = Role(role)
    return f"enduser:{reseller_id}" if role is Role.ENDUSER else role.value


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored of a session token: its SHA-256, so a copy of the database opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


class Principal(TenantScoped, Base):
    __tablename__ = "principals"
    __table_args__ = (UniqueConstraint("realm", "login_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    realm: Mapped[str] = mapped_column(String(40))
    reseller_id: Mapped[int | None] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    # managed customers only: the contract party this login belongs to
    managed_customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("managed_customers.id", ondelete="CASCADE"), index=True, unique=True)  # one login per party
    login_id: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # what a provider staff member or reseller operator may do (tenants/accounts/rights.py):
    # staff admin | operator | auditor; reseller owner | operator | readonly; None for the others
    access: Mapped[str | None] = mapped_column(String(16))
    # two-factor login (tenants/accounts/totp.py): the secrets sealed with ENCRYPTION_KEYS, bound to the row
    totp_secret: Mapped[str | None] = mapped_column(Text)      # the active one
    totp_pending: Mapped[str | None] = mapped_column(Text)     # one being enrolled, until its first code
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # the last code's time step: never again

    reseller = relationship("Reseller")
    customer = relationship("Customer", foreign_keys=[customer_id], back_populates="principal")
    managed_customer = relationship("ManagedCustomer")

    PARTY_READ = PARTY_WRITE = True  # a managed customer: its own login only (below)

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        if scope.kind == "managed":
            return cls.id == scope.principal_id
        base = super().tenant_criteria(scope)
        return base & (cls.id == scope.principal_id) if scope.kind == "enduser" else base

    def check_tenant_write(self, scope: Scope, is_new: bool) -> None:
        if scope.kind == "managed":
            if is_new or self.id != scope.principal_id or self.managed_customer_id != scope.party_id:
                raise TenantScopeError("a managed customer may change only its own login")
            return
        if is_new and self.reseller_id is None:
            self.reseller_id = scope.reseller_id
        if self.reseller_id != scope.reseller_id or self.role == Role.PROVIDER.value:
            raise TenantScopeError("principal outside the session's scope")
        if scope.kind == "enduser" and (is_new or self.id != scope.principal_id):
            raise TenantScopeError("an end user may change only their own login")

    # Flask-Login protocol, kept free of Flask imports.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    # The token of the login session this object was loaded for (tenants.sessions); Flask-Login keeps
    # it in the signed cookie, and the server-side row decides whether it still opens anything.
    if TYPE_CHECKING:  # annotated for the checker only: the mapper would take an annotation for a column
        session_token: str | None
    session_token = None  # not a column
    must_enrol_totp = False  # set per request: two-factor login is required and not set up yet

    def get_id(self) -> str | None:
        return self.session_token


class LoginSession(Base):
    """One logged-in browser: ended by logout, by suspension of the login or its tenant, by a password
    change (the others), by idleness and by its absolute lifetime (tenants/sessions.py)."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    principal_id: Mapped[int] = mapped_column(ForeignKey("principals.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class LoginAttempt(Base):
    """Every login attempt, for throttling (10 failures in 15 minutes per account or address)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account", "realm", "login_id", "at"),
        Index("ix_login_attempts_address", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    realm: Mapped[str] = mapped_column(String(40))
    login_id: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    # the trusted-device cookie the attempt came with, if any (tenants/auth.py: throttling)
    device: Mapped[str | None] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecoveryCode(Base):
    """One of a login's one-time recovery codes for a lost authenticator, stored as its SHA-256 (the
    code is 80 random bits, so a slow hash adds nothing); used once, then marked."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    principal_id: Mapped[int] = mapped_column(ForeignKey("principals.id", ondelete="CASCADE"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SecurityPolicy(Base):
    """The provider's security settings: one row (id 1)."""

    __tablename__ = "security_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_totp_required: Mapped[bool] = mapped_column(Boolean, default=False)
