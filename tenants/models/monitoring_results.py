"""Check results (one per endpoint per cycle) and their hourly/daily roll-ups."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, UTCDateTime, utcnow
from tenants.models.monitoring import ServerOwned


class CheckResult(ServerOwned, Base):
    """One probe of one endpoint in one cycle: unique (endpoint, cycle), so a job run twice
    records one result."""

    __tablename__ = "check_results"
    __table_args__ = (UniqueConstraint("endpoint_id", "cycle"),
                      Index("ix_check_results_server_cycle", "server_id", "cycle"))

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("monitored_endpoints.id", ondelete="CASCADE"))
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    cycle: Mapped[datetime] = mapped_column(UTCDateTime)  # start of the interval the check belongs to
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    up: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(200), default="")
    tls_expires: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tls_verified: Mapped[bool | None] = mapped_column(Boolean)
    in_maintenance: Mapped[bool] = mapped_column(Boolean, default=False)


class CheckRollup(ServerOwned, Base):
    """Counts of one endpoint over one hour or one (JST) day. Checks inside a maintenance window
    are counted apart and left out of uptime."""

    __tablename__ = "check_rollups"
    __table_args__ = (UniqueConstraint("endpoint_id", "period", "period_start"),
                      Index("ix_check_rollups_server_period", "server_id", "period", "period_start"))

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("monitored_endpoints.id", ondelete="CASCADE"))
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(4))  # hour | day
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    checks: Mapped[int] = mapped_column(Integer, default=0)
    ups: Mapped[int] = mapped_column(Integer, default=0)
    maintenance_checks: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms_avg: Mapped[float | None] = mapped_column(Float)
