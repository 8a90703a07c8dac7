"""Mass-mail locks (OEM spec 障害レベル1: メール大量送信の場合はアカウントロック等の一時的な利用の停止)
and where the mail-log reader stands on each mail server."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, UTCDateTime, utcnow
from tenants.incidents.models import ProviderOnly
from tenants.tenancy import CustomerScoped, Scope, TenantScopeError


class MassMailLock(CustomerScoped, Base):
    """A sending account locked for mass mail, with the evidence (counts, sample recipients, time
    window). Active while ``unlocked_at`` is empty; the reseller or the provider unlocks it."""

    __tablename__ = "mass_mail_locks"
    __table_args__ = (Index("ix_mass_mail_locks_server_address", "server_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(254))
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unlocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unlocked_by: Mapped[str | None] = mapped_column(String(120))  # "reseller:demo-op" / "provider:admin"
    unlocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("principals.id", ondelete="SET NULL"))
    unlock_reason: Mapped[str | None] = mapped_column(Text)  # issue 20: why it was lifted (required)

    customer = relationship("Customer")

    @property
    def active(self) -> bool:
        return self.unlocked_at is None

    def check_tenant_write(self, scope: Scope, is_new: bool) -> None:
        # OEM spec 障害レベル1: the reseller (or the provider) lifts a lock, never the end user
        if is_new or scope.kind != "reseller" or self.reseller_id != scope.reseller_id:
            raise TenantScopeError("only the reseller or the provider unlocks an account")


class MailLogCursor(ProviderOnly, Base):
    """Where the mass-mail job stands in one mail server's log (workers.maillog.MailLogState) and
    the last hour of send events it keeps counting (tenants.mass_mail.SendCounter)."""

    __tablename__ = "mail_log_cursors"

    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True)
    log_state: Mapped[dict] = mapped_column(JSON, default=dict)
    counter_state: Mapped[dict] = mapped_column(JSON, default=dict)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_summary: Mapped[dict] = mapped_column(JSON, default=dict)
