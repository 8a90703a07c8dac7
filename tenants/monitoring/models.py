"""What is monitored on each server, and the live state of every service (OEM spec 監視:
ping and 12 service checks every 10 minutes; managed terms: disk 90 %, Gold/Platinum extras).

Rows hang off a server. Who sees them follows the server: a reseller sees the servers assigned to
it, an end user the server of their own customer account; only provider staff change them.

Also the check results (one per endpoint per cycle) with their hourly/daily roll-ups, and the
server usage time series (OEM spec "サーバ利用状況") the metrics collector samples."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, UTCDateTime, utcnow
from tenants.servers.models import ProviderWritesOnly, Server
from tenants.tenancy import CustomerScoped, Scope, TenantScoped, TenantScopeError

PROTOCOLS = ("icmp", "http", "https", "ftp", "ftps", "smtp", "smtps", "pop3", "pop3s", "imap",
             "imaps", "postgresql", "mysql")
class Health(enum.StrEnum):
    """What the monitor last concluded about a service (tenants.monitoring.state)."""
    UNKNOWN = "unknown"
    UP = "up"
    DOWN = "down"
DEFAULT_FAILURE_THRESHOLD = 2  # issue 5: DOWN only after 2 consecutive failures unless set


class ServerOwned(ProviderWritesOnly, TenantScoped):
    """Visible exactly where its server is visible; written by provider staff and the system."""

    PARTY_READ = True  # as the server: a managed customer sees its contract server's record

    if TYPE_CHECKING:  # each model declares its own foreign key
        server_id: Mapped[int]

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        from sqlalchemy import select

        return cls.server_id.in_(select(Server.id).where(Server.tenant_criteria(scope)))


class ProviderOnly(ServerOwned):
    """Internal rows (who was emailed, which command ran): provider staff and the system only; a
    reseller must not read another reseller's contact addresses from a shared server's notices."""

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        return false()


class MonitoredEndpoint(ServerOwned, Base):
    __tablename__ = "monitored_endpoints"  # one server may check https:443 for several SNI names

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    protocol: Mapped[str] = mapped_column(String(16))
    port: Mapped[int | None] = mapped_column(Integer)           # None for icmp
    host: Mapped[str | None] = mapped_column(String(253))       # None: the server's address
    server_name: Mapped[str | None] = mapped_column(String(253))  # TLS SNI / HTTP Host
    path: Mapped[str] = mapped_column(String(255), default="/")
    expect_status: Mapped[int] = mapped_column(Integer, default=200)
    keyword: Mapped[str | None] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(100))
    password_secret: Mapped[str | None] = mapped_column(Text)   # sealed (tenants.crypto)
    database: Mapped[str | None] = mapped_column(String(100))
    verify_tls: Mapped[bool] = mapped_column(Boolean, default=True)
    ca_file: Mapped[str | None] = mapped_column(String(500))
    timeout_seconds: Mapped[float] = mapped_column(Float, default=10.0)
    failure_threshold: Mapped[int] = mapped_column(Integer, default=DEFAULT_FAILURE_THRESHOLD)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    server: Mapped[Server] = relationship()
    state: Mapped["ServiceState | None"] = relationship(back_populates="endpoint", uselist=False,
                                                        cascade="all, delete-orphan")

    @property
    def label(self) -> str:
        return self.protocol if self.port is None else f"{self.protocol}:{self.port}"


class ServiceState(ServerOwned, Base):
    """The live state of one endpoint: what the state rule (tenants.monitoring_state) keeps."""

    __tablename__ = "service_states"

    endpoint_id: Mapped[int] = mapped_column(ForeignKey("monitored_endpoints.id", ondelete="CASCADE"),
                                             primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(8), default=Health.UNKNOWN)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)          # when the state began
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first failure of the streak
    last_cycle: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reason: Mapped[str | None] = mapped_column(String(200))
    last_latency_ms: Mapped[float | None] = mapped_column(Float)
    tls_expires: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[MonitoredEndpoint] = relationship(back_populates="state")


class StateEvent(ServerOwned, Base):
    """A state change of a service (or of a resource threshold), with the time it happened.
    During a maintenance window the change is recorded but not alerted."""

    __tablename__ = "monitor_events"
    __table_args__ = (Index("ix_monitor_events_server_at", "server_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("monitored_endpoints.id", ondelete="CASCADE"),
                                                    index=True)
    subject: Mapped[str] = mapped_column(String(120))  # "https:443", "disk:/", "memory"
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_state: Mapped[str] = mapped_column(String(8))
    to_state: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(200), default="")
    in_maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    alert: Mapped[bool] = mapped_column(Boolean, default=True)


class MaintenanceWindow(ServerOwned, Base):
    """A maintenance window of one server; without a server, an update of the control panel itself,
    announced the same way to every reseller (OEM spec: 管理画面のアップデートの際は事前にお知らせ)."""
    __tablename__ = "maintenance_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int | None] = mapped_column(  # type: ignore[assignment]  # None: a panel update
        ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # announced to the resellers on the server (and their end users) this many days ahead; 0: not
    # announced (tenants.monitoring.announcements)
    announce_days: Mapped[int] = mapped_column(Integer, default=0)
    tell_end_users: Mapped[bool] = mapped_column(Boolean, default=False)
    recurrence: Mapped[str] = mapped_column(String(8), default="")  # "" | weekly | monthly
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ResourceThreshold(ServerOwned, Base):
    """Per-server alert levels (managed terms: disk 90 %, Platinum inode 50 %, Gold file count and
    DB size at 90 % of the set limit). `contract_monitoring` is the switch the contracts feature
    turns on for Gold/Platinum servers."""

    __tablename__ = "resource_thresholds"

    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True)
    disk_percent: Mapped[int] = mapped_column(Integer, default=90)
    inode_percent: Mapped[int] = mapped_column(Integer, default=50)
    memory_percent: Mapped[int] = mapped_column(Integer, default=90)
    contract_monitoring: Mapped[bool] = mapped_column(Boolean, default=False)
    log_watch: Mapped[bool] = mapped_column(Boolean, default=False)  # Gold/Platinum: hourly system-log watch
    file_count_limit: Mapped[int | None] = mapped_column(BigInteger)
    db_size_limit_bytes: Mapped[int | None] = mapped_column(BigInteger)
    limit_percent: Mapped[int] = mapped_column(Integer, default=90)


class ResourceStatus(ServerOwned, Base):
    """The latest reading of one resource of a server and whether it is over its threshold."""

    __tablename__ = "resource_status"
    __table_args__ = (UniqueConstraint("server_id", "metric"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = mapped_column(String(120))  # "disk:/", "inodes:/home", "memory", ...
    value_percent: Mapped[float] = mapped_column(Float)
    limit_percent: Mapped[float] = mapped_column(Float)
    over: Mapped[bool] = mapped_column(Boolean, default=False)
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)


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
    (workers.drivers.host.traffic: domain -> workers.maillog.MailLogState), so every request's
    bytes are counted once, across runs and log rotations."""

    __tablename__ = "traffic_log_cursors"

    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True)
    log_states: Mapped[dict] = mapped_column(JSON, default=dict)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
