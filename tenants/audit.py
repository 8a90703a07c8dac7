"""The audit log: who did what to which object, and when — one call of ``record`` per action a
person takes."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import CustomerScoped, Scope, TenantScopeError

if TYPE_CHECKING:
    from tenants.accounts.models import Principal


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


def actor_label(principal: Principal | None) -> str:
    if principal is None:
        return "system"
    return f"{principal.role}:{principal.login_id}"


def record(session, actor: Principal | None, action: str, obj=None, summary: str = "", *,
           reseller_id: int | None = None, customer_id: int | None = None,
           on_behalf_of: str | None = None, address: str | None = None, details: dict | None = None,
           actor_name: str | None = None) -> AuditLog:
    """One audit entry. ``actor_name`` names an actor that is no login (an attempt with an unknown
    login ID, "operator:nobody")."""
    operator = getattr(actor, "support_operator", None)
    if operator is not None and actor is not None:  # support view: the operator acted, on behalf of this end user
        on_behalf_of = on_behalf_of or actor_label(actor)
        customer_id = customer_id if customer_id is not None else actor.customer_id
        reseller_id = reseller_id if reseller_id is not None else actor.reseller_id
        actor = operator
    entry = AuditLog(
        actor_id=actor.id if actor is not None else None,
        actor=(actor_name or actor_label(actor))[:120],
        on_behalf_of=on_behalf_of,
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        summary=summary,
        details=details,
        address=address,
        reseller_id=reseller_id if reseller_id is not None else getattr(obj, "reseller_id", None),
        customer_id=customer_id,
    )
    session.add(entry)
    return entry
