"""The tenant: a reseller (OEM contractor, 事業者), its fault-notification contacts, and its API
tokens (bearer secrets stored only as a hash, shown once when created)."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import Scope, TenantScoped, TenantScopeError


class ResellerStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Reseller(TenantScoped, Base):
    __tablename__ = "resellers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # used in /u/<code>/
    name: Mapped[str] = mapped_column(String(200))  # company name (contract party)
    brand_name: Mapped[str] = mapped_column(String(200))  # shown to end users instead of ours
    logo_mime: Mapped[str | None] = mapped_column(String(50))
    logo_data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    support_email: Mapped[str | None] = mapped_column(String(254))
    support_phone: Mapped[str | None] = mapped_column(String(40))
    support_hours: Mapped[str | None] = mapped_column(String(200))
    panel_host: Mapped[str | None] = mapped_column(String(253), unique=True)  # own host name
    status: Mapped[str] = mapped_column(String(16), default=ResellerStatus.ACTIVE)
    require_totp: Mapped[bool] = mapped_column(Boolean, default=False)  # its operators must use two-factor login
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contacts: Mapped[list["ResellerContact"]] = relationship(
        back_populates="reseller", cascade="all, delete-orphan", order_by="ResellerContact.id")

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        return cls.id == scope.reseller_id

    def check_tenant_write(self, scope: Scope, is_new: bool) -> None:
        if is_new or self.id != scope.reseller_id or scope.kind != "reseller":
            raise TenantScopeError("only the provider creates resellers; an operator edits its own")

    @property
    def is_active(self) -> bool:
        return self.status == ResellerStatus.ACTIVE


class ResellerContact(TenantScoped, Base):
    """A registered fault contact (OEM spec: contact promptly after 10 minutes of outage)."""

    __tablename__ = "reseller_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    is_emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    # issue 20: incident notices also as a signed JSON webhook (tenants/incidents/webhooks.py)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(Text)  # sealed (tenants.crypto), owner "contact:<id>"
    notes: Mapped[str | None] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    reseller: Mapped[Reseller] = relationship(back_populates="contacts")


class ApiToken(TenantScoped, Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)    # shown in lists, finds the row
    secret_hash: Mapped[str] = mapped_column(String(128))           # SHA-256 of the whole token
    expires_on: Mapped[date | None] = mapped_column(Date)           # last valid day (JST)
    allowed_addresses: Mapped[str | None] = mapped_column(Text)     # networks, one per line
    created_by: Mapped[int | None] = mapped_column(ForeignKey("principals.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seen_addresses: Mapped[str | None] = mapped_column(Text)  # addresses it was used from, one per line

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        if scope.kind != "reseller":  # the reseller's operators only; never its end users
            return false()
        return super().tenant_criteria(scope)
