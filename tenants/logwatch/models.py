"""Log watch (managed option spec: Gold/Platinum "hourly system-log collection with error
detection"; issue 20 item 4): the patterns that make a log line a finding (installation-wide or
per server) and the suppressions per server, the findings (one per server and normalised line,
with how often and when it was seen), and where the collector stands in each log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, UTCDateTime, utcnow
from tenants.monitoring.models import ProviderOnly


class LogWatchRule(ProviderOnly, Base):
    """``detect``: a regular expression that makes a line a finding; ``suppress``: one that keeps
    a matching line out (a known, harmless message). Per server."""

    __tablename__ = "log_watch_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))   # detect | suppress
    pattern: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LogFinding(ProviderOnly, Base):
    __tablename__ = "log_findings"
    __table_args__ = (UniqueConstraint("server_id", "signature"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    signature: Mapped[str] = mapped_column(String(64))    # sha256 of the line with its numbers blanked
    source: Mapped[str] = mapped_column(String(500))      # the log file
    pattern: Mapped[str] = mapped_column(String(300))     # the detect pattern that matched
    sample: Mapped[str] = mapped_column(Text)             # the first line seen
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)


class LogWatchCursor(ProviderOnly, Base):
    """Where the collector stands in each watched log of a server (path -> workers.maillog.MailLogState)."""

    __tablename__ = "log_watch_cursors"

    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True)
    log_states: Mapped[dict] = mapped_column(JSON, default=dict)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
