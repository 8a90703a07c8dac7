"""A reseller's public status page (issue 20): the state of the servers its customers live on, their
open incidents and maintenance windows, and each server's uptime over the last 90 days — under the
reseller's brand, with no login, no provider name and nothing of another reseller's servers.

Servers are shown by number ("Server 1", ...), never by host name or address: those belong to the
provider (OEM spec: end users see only the reseller's brand). Services are shown by their kind
("https:443"). Times are handed out in UTC; the page shows them in JST.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from tenants.incidents.models import IncidentStatus
from tenants.models import Incident, MaintenanceWindow, MonitoredEndpoint, Server, ServerAssignment, ServiceState
from tenants.monitoring.models import Health
from tenants.monitoring.reports import check_counts
from tenants.monitoring.state import uptime_percent
from tenants.servers.models import ServerStatus

UPTIME_DAYS = 90
UPCOMING_WINDOWS = 5


@dataclass
class ServiceLine:
    label: str
    state: str           # up | down | unknown


@dataclass
class ServerLine:
    number: int
    state: str           # up | down | maintenance | unknown (the worst of its services)
    services: list[ServiceLine] = field(default_factory=list)
    uptime: float | None = None                                          # % over UPTIME_DAYS
    incidents: list[tuple[str, datetime]] = field(default_factory=list)  # (service, since)
    windows: list[tuple[datetime, datetime, str]] = field(default_factory=list)  # (starts, ends, note)


def reseller_servers(session, reseller_id: int) -> list[int]:
    """The servers assigned to the reseller that are in service, in a stable order."""
    return list(session.execute(select(Server.id).join(ServerAssignment, ServerAssignment.server_id == Server.id)
                                .where(ServerAssignment.reseller_id == reseller_id,
                                       Server.status != ServerStatus.RETIRED).order_by(Server.id)).scalars())


def _server_state(services: list[ServiceLine], in_window: bool) -> str:
    if in_window:
        return "maintenance"
    states = {s.state for s in services}
    if Health.DOWN in states:
        return "down"
    return "up" if states == {Health.UP} else "unknown"


def status_page(session, reseller_id: int, now: datetime) -> list[ServerLine]:
    """What the reseller's public status page shows, one line per server."""
    lines = []
    for number, server_id in enumerate(reseller_servers(session, reseller_id), start=1):
        endpoints = list(session.execute(select(MonitoredEndpoint).where(
            MonitoredEndpoint.server_id == server_id, MonitoredEndpoint.paused.is_(False))
            .order_by(MonitoredEndpoint.protocol, MonitoredEndpoint.port, MonitoredEndpoint.id)).scalars())
        states = {s.endpoint_id: s.state for s in session.execute(select(ServiceState).where(
            ServiceState.server_id == server_id)).scalars()}
        services = [ServiceLine(e.label, states.get(e.id) or "unknown") for e in endpoints]
        windows = [(w.starts_at, w.ends_at, w.note) for w in session.execute(
            select(MaintenanceWindow).where(MaintenanceWindow.server_id == server_id, MaintenanceWindow.ends_at > now)
            .order_by(MaintenanceWindow.starts_at).limit(UPCOMING_WINDOWS)).scalars()]
        in_window = any(starts <= now < ends for starts, ends, _note in windows)
        counts = check_counts(session, [e.id for e in endpoints], now - timedelta(days=UPTIME_DAYS), now)
        checks, ups = sum(c for c, _u in counts.values()), sum(u for _c, u in counts.values())
        incidents = [(i.subject, i.started_at) for i in session.execute(select(Incident).where(
            Incident.server_id == server_id, Incident.status == IncidentStatus.OPEN).order_by(Incident.started_at)).scalars()]
        lines.append(ServerLine(number, _server_state(services, in_window), services, uptime_percent(ups, checks),
                                incidents, windows))
    return lines
