"""A reseller's customer (顧客): every field of the OEM spec's customer management."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import Scope, TenantScoped, TenantScopeError


class CustomerStatus(str, enum.Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # stopped by the reseller
    LOCKED = "locked"        # temporary stop, e.g. mass mail (OEM spec fault level 1)
    CANCELLED = "cancelled"


class Customer(TenantScoped, Base):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("reseller_id", "customer_number"),
        # Each list sort ends with the id, so that a page is one index walk (customer list at 100k).
        Index("ix_customers_reseller_contractor", "reseller_id", "contractor_name", "id"),
        Index("ix_customers_reseller_created", "reseller_id", "created_at", "id"),
        Index("ix_customers_reseller_number_id", "reseller_id", "customer_number", "id"),
        Index("ix_customers_reseller_disk", "reseller_id", "disk_used_bytes", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"), index=True)
    server_id: Mapped[int | None] = mapped_column(ForeignKey("servers.id", ondelete="SET NULL"), index=True)
    contractor_name: Mapped[str] = mapped_column(String(200))        # 契約者名
    customer_number: Mapped[str | None] = mapped_column(String(64))  # optional, unique per reseller
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contract_date: Mapped[date | None] = mapped_column(Date)         # 契約日
    start_date: Mapped[date | None] = mapped_column(Date)            # 利用開始日
    status: Mapped[str] = mapped_column(String(16), default=CustomerStatus.ACTIVE.value, index=True)
    cancel_on: Mapped[date | None] = mapped_column(Date)             # removal date once cancelled
    disk_used_bytes: Mapped[int] = mapped_column(BigInteger, default=0)  # from the metrics collector
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course = relationship("Course")
    server = relationship("Server")
    principal = relationship("Principal", foreign_keys="Principal.customer_id",
                             back_populates="customer", uselist=False)

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        base = super().tenant_criteria(scope)
        return base & (cls.id == scope.customer_id) if scope.kind == "enduser" else base

    def check_tenant_write(self, scope: Scope, is_new: bool) -> None:
        if is_new and self.reseller_id is None:
            self.reseller_id = scope.reseller_id
        if self.reseller_id != scope.reseller_id:
            raise TenantScopeError("customer outside the session's scope")
        if scope.kind == "enduser" and (is_new or self.id != scope.customer_id):
            raise TenantScopeError("an end user may change only their own customer record")

    @property
    def login_id(self) -> str | None:
        return self.principal.login_id if self.principal else None
