"""Where each customer stands against its course quotas (OEM spec overuse policy: 80 % / 100 %)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import CustomerScoped


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
