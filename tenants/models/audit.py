"""The audit log: who did what to which object, and when."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import CustomerScoped, Scope


class AuditLog(CustomerScoped, Base):
    __tablename__ = "audit_log"
    PARTY_WRITE = True  # a managed customer's own actions are recorded (never read back)
    __table_args__ = (Index("ix_audit_log_reseller_at", "reseller_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int | None] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("principals.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(120))  # "operator:alice" snapshot, kept if deleted
    on_behalf_of: Mapped[str | None] = mapped_column(String(120))  # support view: the customer
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict | None] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def check_tenant_write(self, scope: Scope, is_new: bool) -> None:
        from tenants.tenancy import TenantScopeError

        if not is_new:
            raise TenantScopeError("audit records are never changed")
        if scope.kind == "managed":
            if self.reseller_id is not None or self.customer_id is not None:
                raise TenantScopeError("audit record outside the managed customer's scope")
            return
        if self.reseller_id is None:
            self.reseller_id = scope.reseller_id
        if scope.kind == "enduser" and self.customer_id is None:
            self.customer_id = scope.customer_id
        if self.reseller_id != scope.reseller_id or (
                scope.kind == "enduser" and self.customer_id != scope.customer_id):
            raise TenantScopeError("audit record outside the session's scope")
