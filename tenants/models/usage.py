"""Server usage time series (OEM spec "サーバ利用状況"): samples taken by the metrics collector."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, UTCDateTime, utcnow
from tenants.models.incidents import ProviderOnly
from tenants.tenancy import CustomerScoped, Scope, TenantScoped, TenantScopeError

# What a server sample measures; `label` names the partition (mount) or network interface.
SERVER_METRICS = ("disk_used", "disk_total", "inodes_used", "inodes_total", "mem_used", "mem_total",
                  "net_rx_bytes", "net_tx_bytes", "net_rx_bps", "net_tx_bps")


class ServerSample(TenantScoped, Base):
    """One figure of one server at one time. A reseller sees the servers assigned to it."""

    __tablename__ = "server_samples"
    __table_args__ = (Index("ix_server_samples_server_metric_at", "server_id", "metric", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200), default="")
    value: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        from tenants.models.server import Server

        return cls.server_id.in_(select(Server.id).where(Server.tenant_criteria(scope)))

    def check_tenant_write(self, scope: Scope, is_new: bool) -> None:
        raise TenantScopeError("only the metrics collector writes server samples")


class CustomerUsageSample(CustomerScoped, Base):
    """One customer's disk and traffic use at one time (traffic: bytes since the previous sample)."""

    __tablename__ = "customer_usage_samples"
    __table_args__ = (Index("ix_customer_usage_samples_customer_at", "customer_id", "at"),
                      Index("ix_customer_usage_samples_reseller_at", "reseller_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    disk_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    traffic_in_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    traffic_out_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def check_tenant_write(self, scope: Scope, is_new: bool) -> None:
        raise TenantScopeError("only the metrics collector writes usage samples")


class TrafficLogCursor(ProviderOnly, Base):
    """Where the metrics collector stands in each virtual host's access log on one server
    (workers.drivers.local.traffic: domain -> workers.maillog.MailLogState), so every request's
    bytes are counted once, across runs and log rotations."""

    __tablename__ = "traffic_log_cursors"

    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True)
    log_states: Mapped[dict] = mapped_column(JSON, default=dict)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
