"""A reseller's course (コース設定): the resource plan its end users are held to."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import Scope, TenantScoped


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
    max_ftp_accounts: Mapped[int] = mapped_column(Integer, default=5)
    max_databases: Mapped[int] = mapped_column(Integer, default=5)
    max_dns_records: Mapped[int] = mapped_column(Integer, default=100)
    https_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    mass_mail_per_hour: Mapped[int] = mapped_column(Integer, default=500)
    overuse_notify: Mapped[bool] = mapped_column(Boolean, default=True)
    overuse_suspend: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        from tenants.models.customer import Customer

        base = super().tenant_criteria(scope)
        if scope.kind == "enduser":
            return base & cls.id.in_(select(Customer.course_id).where(Customer.id == scope.customer_id))
        return base
