"""A reseller's customers (顧客: every field of the OEM spec's customer management), the courses
(コース設定) that hold them to a resource plan, and where each stands against its course quotas
(OEM spec overuse policy: 80 % / 100 %)."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, select, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import CustomerScoped, Scope, TenantScoped, TenantScopeError


class CustomerStatus(enum.StrEnum):
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
    lock_reason: Mapped[str | None] = mapped_column(Text)            # the provider's abuse lock: why
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


class Course(TenantScoped, Base):
    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("reseller_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    disk_quota_mb: Mapped[int] = mapped_column(Integer, default=10240)
    traffic_quota_gb: Mapped[int] = mapped_column(Integer, default=100)
    max_domains: Mapped[int] = mapped_column(Integer, default=5)
    max_mail_accounts: Mapped[int] = mapped_column(Integer, default=50)
    mailbox_quota_mb: Mapped[int] = mapped_column(Integer, default=2048)
    max_mailing_lists: Mapped[int] = mapped_column(Integer, default=5)
    max_mail_aliases: Mapped[int] = mapped_column(Integer, default=20, server_default="20")
    max_ftp_accounts: Mapped[int] = mapped_column(Integer, default=5)
    max_databases: Mapped[int] = mapped_column(Integer, default=5)
    max_dns_records: Mapped[int] = mapped_column(Integer, default=100)
    max_cron_jobs: Mapped[int] = mapped_column(Integer, default=5, server_default="5")  # issue 16 item 5
    https_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    mass_mail_per_hour: Mapped[int] = mapped_column(Integer, default=500)
    overuse_notify: Mapped[bool] = mapped_column(Boolean, default=True)
    overuse_suspend: Mapped[bool] = mapped_column(Boolean, default=False)
    # issue 16: whether the course's sites may run PHP, and the most memory one PHP request may use
    php_allowed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    php_memory_limit_mb: Mapped[int] = mapped_column(Integer, default=256, server_default="256")
    # issue 16 item 4: whether the course's SFTP/SSH accounts may have a shell (else chrooted SFTP only)
    shell_allowed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        base = super().tenant_criteria(scope)
        if scope.kind == "enduser":
            return base & cls.id.in_(select(Customer.course_id).where(Customer.id == scope.customer_id))
        return base


class OveruseState(CustomerScoped, Base):
    __tablename__ = "overuse_states"
    __table_args__ = (UniqueConstraint("customer_id", "resource"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    resource: Mapped[str] = mapped_column(String(16))            # disk | traffic
    level: Mapped[int] = mapped_column(Integer, default=0)        # 0, 80 or 100 (per cent reached)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)  # site stopped by this policy
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
