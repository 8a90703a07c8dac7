"""Log watch (managed option spec, 運用サポート Gold/Platinum: システムログ蓄積 and error detection):
the patterns that make a log line a finding, each server's suppressions, where each log was read
to, and the findings themselves. Provider staff and the system only."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, UTCDateTime, utcnow
from tenants.monitoring.models import ProviderOnly
from tenants.servers.models import ProviderWritesOnly
from tenants.tenancy import Scope, TenantScoped


class LogPattern(ProviderWritesOnly, TenantScoped, Base):
    """A regular expression that makes a system-log line a finding, on every watched server."""

    __tablename__ = "log_patterns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    regex: Mapped[str] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        return false()


class LogSuppression(ProviderOnly, Base):
    """Lines of one server that match a pattern but are known and harmless (a regular expression)."""

    __tablename__ = "log_suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    regex: Mapped[str] = mapped_column(String(500))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LogWatchCursor(ProviderOnly, Base):
    """How far one system log of a server was read (its position survives rotation)."""

    __tablename__ = "log_watch_cursors"
    __table_args__ = (UniqueConstraint("server_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    state: Mapped[dict] = mapped_column(JSON, default=dict)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class LogFinding(ProviderOnly, Base):
    """One kind of error line of one server (lines that differ only in numbers are one finding):
    when it was first and last seen, how often, an example, and when it was alerted."""

    __tablename__ = "log_findings"
    __table_args__ = (UniqueConstraint("server_id", "fingerprint"),
                      Index("ix_log_findings_server_last", "server_id", "last_seen"))

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    pattern: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(500))
    sample: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
