"""Reseller API tokens: bearer secrets stored only as a hash, shown once when created."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import Scope, TenantScoped


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

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        if scope.kind != "reseller":  # the reseller's operators only; never its end users
            return false()
        return super().tenant_criteria(scope)
