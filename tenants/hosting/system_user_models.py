"""The system user (uid = gid) the panel gave each customer on a server (issue 16 item 2).

A row is never deleted nor its uid given to anyone else: files on the server may still carry the
number after the customer is gone (its customer_id then becomes NULL), so uids are not recycled."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, UTCDateTime, utcnow
from tenants.monitoring.models import ProviderOnly


class SystemAccount(ProviderOnly, Base):
    __tablename__ = "system_accounts"
    __table_args__ = (UniqueConstraint("server_id", "uid"), UniqueConstraint("server_id", "customer_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    uid: Mapped[int] = mapped_column(Integer)  # the gid is the same number
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
