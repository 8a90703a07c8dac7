"""Incidents (OEM spec 障害対応, managed terms 障害レベル): one per outage of a service or of a host,
with its timeline, the remediation commands and what they did, and the fault report written after
recovery (the notices sent for it are in the outbox, tenants/outbox).

Rows hang off a server, like the monitoring rows: a reseller sees the incidents of the servers it
places customers on, an end user those of their own server; only provider staff and the system
write them.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, UTCDateTime, utcnow
from tenants.monitoring.models import MonitoredEndpoint, ProviderOnly, ServerOwned
from tenants.servers.models import Server


class IncidentKind(enum.StrEnum):
    SERVICE = "service"
    HOST = "host"  # the server itself does not answer (ping)


class IncidentStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    MERGED = "merged"  # folded into the host incident that opened while it was open (issue 20)


class EntryKind(enum.StrEnum):
    """The lines of an incident's timeline."""
    DETECTED = "detected"
    NOTIFIED = "notified"
    NOTIFY_FAILED = "notify_failed"
    UNREACHABLE = "unreachable"          # no fault contact to notify
    RESTART = "restart"                  # level 1 (OEM spec 障害レベル1)
    REPROBE = "reprobe"
    ESCALATED = "escalated"
    REBOOT = "reboot"                    # level 2 before power drivers (old timelines)
    LOGIN_CHECK = "login_check"
    REMEDIATION_OFF = "remediation_off"
    RECOVERED = "recovered"
    REPORT_SENT = "report_sent"
    POWER_CYCLE = "power_cycle"          # level 2 (OEM spec 障害レベル2: 基盤再起動)
    POWER_RESULT = "power_result"
    HOST_RETURNED = "host_returned"
    NO_POWER_DRIVER = "no_power_driver"
    HOST_KEY = "host_key"                # the server answered with another host key than the pinned one
    AFFECTED = "affected"                # a service down under the host outage (no incident of its own)
    MERGED = "merged"                    # this service's incident was folded into the host incident
    RESTORE = "restore"                  # level 3: the server restored from its backup (tenants/backups/server_restore.py)
    SPLIT = "split"                      # the host returned, this service stayed down: its own incident


class RemediationKind(enum.StrEnum):
    RESTART = "restart"
    POWER = "power"    # a power cycle through the server's power driver
    REBOOT = "reboot"  # an in-band reboot command, before power drivers (old rows)
    LOGIN = "login"    # the login check that decides whether the host needs a power cycle
    RESTORE = "restore"  # level 3 (managed terms 障害レベル3): the whole server restored to a backup generation


class Incident(ServerOwned, Base):
    """One outage: opened when the service goes DOWN, closed when it is confirmed answering again
    (OEM spec 障害の切り分け: 停止したサービスの稼動が確認できた時点で終了). Unique per endpoint and
    outage start, so two workers seeing the same DOWN open one incident."""

    __tablename__ = "incidents"
    __table_args__ = (UniqueConstraint("endpoint_id", "started_at"),
                      Index("ix_incidents_server_status", "server_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("monitored_endpoints.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default=IncidentKind.SERVICE)
    subject: Mapped[str] = mapped_column(String(120))            # "https:443", "icmp"
    status: Mapped[str] = mapped_column(String(8), default=IncidentStatus.OPEN)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)     # first failed check of the outage
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)    # when it was judged DOWN
    recovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)  # restarts exhausted / power cycle failed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    server: Mapped[Server] = relationship()
    endpoint: Mapped[MonitoredEndpoint] = relationship()
    entries: Mapped[list["IncidentEntry"]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="(IncidentEntry.at, IncidentEntry.id)")
    report: Mapped["FaultReport | None"] = relationship(back_populates="incident", uselist=False,
                                                        cascade="all, delete-orphan")
    affected: Mapped[list["IncidentAffected"]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentAffected.endpoint_id")

    @property
    def is_open(self) -> bool:
        return self.status == IncidentStatus.OPEN

    def duration_minutes(self, now: datetime) -> int:
        end = self.recovered_at or now
        return max(0, int((end - self.started_at).total_seconds() // 60))


class IncidentAffected(ServerOwned, Base):
    """A service that was down under a host incident (issue 20 "host-level correlation": the host
    outage is the one incident; its services are recorded here and open none of their own)."""

    __tablename__ = "incident_affected"
    __table_args__ = (UniqueConstraint("incident_id", "endpoint_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("monitored_endpoints.id", ondelete="CASCADE"))
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(120))
    since: Mapped[datetime] = mapped_column(UTCDateTime)          # first failed check of the service
    recovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    incident: Mapped[Incident] = relationship(back_populates="affected")


class IncidentEntry(ServerOwned, Base):
    """One line of an incident's timeline: detected, notified, each action, recovered, report sent."""

    __tablename__ = "incident_entries"
    __table_args__ = (Index("ix_incident_entries_incident_at", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    ok: Mapped[bool | None] = mapped_column(Boolean)

    incident: Mapped[Incident] = relationship(back_populates="entries")


class RemediationCommand(ProviderOnly, Base):
    """A configured command (argument list, timeout): ``restart`` for one endpoint's service
    (level 1), ``login`` (the login check) for the host (level 2, endpoint empty; the host is then
    power-cycled through its power driver, tenants.servers.power_models). ``enabled`` is the
    per-service auto-remediation switch (the server has its own)."""

    __tablename__ = "remediation_commands"
    __table_args__ = (UniqueConstraint("server_id", "endpoint_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("monitored_endpoints.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # RemediationKind
    argv: Mapped[list] = mapped_column(JSON, default=list)
    timeout_seconds: Mapped[float] = mapped_column(Float, default=60.0)
    grace_minutes: Mapped[int] = mapped_column(Integer, default=10)  # unused since power drivers keep it
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class RemediationAction(ProviderOnly, Base):
    """One restart or power cycle that was run. Unique per (incident, kind, cycle): a cycle handled
    twice runs the command once; a power cycle is keyed on its outage's start, so it runs once per
    outage."""

    __tablename__ = "remediation_actions"
    __table_args__ = (UniqueConstraint("incident_id", "kind", "cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("monitored_endpoints.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(8))  # RemediationKind.RESTART or POWER
    cycle: Mapped[datetime] = mapped_column(UTCDateTime)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    argv: Mapped[list] = mapped_column(JSON, default=list)
    ok: Mapped[bool | None] = mapped_column(Boolean)        # None: claimed, not finished
    output: Mapped[str] = mapped_column(Text, default="")
    reprobe_up: Mapped[bool | None] = mapped_column(Boolean)


class FaultReport(ServerOwned, Base):
    """The fault report (障害報告書) drafted at recovery: due the next business day (OEM spec) or
    within 2 business days (managed terms); the provider edits and sends it by email."""

    __tablename__ = "fault_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    what: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recovered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=0)
    impact: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    prevention: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date] = mapped_column(Date, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_to: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="report")
