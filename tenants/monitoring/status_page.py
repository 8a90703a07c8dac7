"""A reseller's public status page (issue 20 item 6): its servers' current state, open incidents
and maintenance, 90-day uptime — under the reseller's brand, no login, no provider name, no other
reseller's servers. Servers are "this reseller's" when it is assigned to them or has customers on
them; they are shown by a neutral label (a host name can name the provider), incidents by their
service only."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from tenants.customers.models import CustomerStatus
from tenants.incidents.models import IncidentStatus
from tenants.models import Customer, Incident, MaintenanceWindow, MonitoredEndpoint, ServerAssignment, ServiceState
from tenants.monitoring.reports import check_counts
from tenants.monitoring.state import DOWN, uptime_percent

UPTIME_DAYS = 90


@dataclass
class ServerLine:
    label: str
    state: str                    # operational | outage | maintenance
    uptime: float | None          # percent over UPTIME_DAYS, maintenance left out
    incidents: list[tuple[str, datetime]] = field(default_factory=list)   # (service, since)
    maintenance: list[tuple[datetime, datetime]] = field(default_factory=list)


def reseller_server_ids(session, reseller_id: int) -> list[int]:
    customers = select(Customer.server_id).where(
        Customer.reseller_id == reseller_id, Customer.server_id.is_not(None),
        Customer.status != CustomerStatus.CANCELLED.value)
    assigned = select(ServerAssignment.server_id).where(ServerAssignment.reseller_id == reseller_id)
    rows = session.execute(select(MonitoredEndpoint.server_id).where(or_(
        MonitoredEndpoint.server_id.in_(customers), MonitoredEndpoint.server_id.in_(assigned))).distinct())
    return sorted(set(rows.scalars()))


def status_page(session, reseller_id: int, now: datetime) -> list[ServerLine]:
    lines = []
    for n, server_id in enumerate(reseller_server_ids(session, reseller_id), start=1):
        endpoints = list(session.execute(select(MonitoredEndpoint.id).where(
            MonitoredEndpoint.server_id == server_id, MonitoredEndpoint.paused.is_(False))).scalars())
        down = session.execute(select(ServiceState.endpoint_id).where(
            ServiceState.server_id == server_id, ServiceState.state == DOWN).limit(1)).first() is not None
        windows = [(w.starts_at, w.ends_at) for w in session.execute(select(MaintenanceWindow).where(
            MaintenanceWindow.server_id == server_id, MaintenanceWindow.ends_at > now)
            .order_by(MaintenanceWindow.starts_at)).scalars()]
        in_window = any(start <= now < end for start, end in windows)
        counts = check_counts(session, endpoints, now - timedelta(days=UPTIME_DAYS), now)
        checks, ups = sum(c for c, _ in counts.values()), sum(u for _, u in counts.values())
        incidents = [(i.subject, i.started_at) for i in session.execute(select(Incident).where(
            Incident.server_id == server_id, Incident.status == IncidentStatus.OPEN)
            .order_by(Incident.started_at)).scalars()]
        state = "maintenance" if in_window else ("outage" if down or incidents else "operational")
        lines.append(ServerLine(f"#{n}", state, uptime_percent(ups, checks), incidents, windows))
    return lines
