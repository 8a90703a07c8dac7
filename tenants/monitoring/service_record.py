"""A server's service record over a period, from the monitoring engine and the incidents: uptime
per monitored service and the outages. The managed contracts' annual report (managed terms §29)
reads it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from tenants.models import Incident, MonitoredEndpoint
from tenants.monitoring.reports import check_counts, jst_midnight
from tenants.monitoring.state import uptime_percent


@dataclass
class ServiceUptime:
    service: str
    uptime_percent: float
    down_minutes: int = 0


@dataclass
class Outage:
    started: str
    service: str
    summary: str


# managed terms §29 (サービス実施状況の報告): uptime per service and the incidents of the year
def service_record(session, server_id: int, start: date, end: date):
    since, until = jst_midnight(start), jst_midnight(date.fromordinal(end.toordinal() + 1))
    endpoints = session.execute(select(MonitoredEndpoint).where(MonitoredEndpoint.server_id == server_id)
                                .order_by(MonitoredEndpoint.id)).scalars().all()
    counts = check_counts(session, [e.id for e in endpoints], since, until)
    outages = session.execute(select(Incident).where(
        Incident.server_id == server_id, Incident.started_at >= since, Incident.started_at < until)
        .order_by(Incident.started_at)).scalars().all()
    down_minutes: dict[int, int] = {}
    for incident in outages:
        ended = incident.recovered_at or until
        down_minutes[incident.endpoint_id] = down_minutes.get(incident.endpoint_id, 0) + int(
            (min(ended, until) - incident.started_at).total_seconds() // 60)
    uptime = []
    for e in endpoints:
        checks, ups = counts.get(e.id, (0, 0))
        percent = uptime_percent(ups, checks)
        if percent is not None:  # an endpoint never checked in the period has no line
            uptime.append(ServiceUptime(_label(e), percent, down_minutes.get(e.id, 0)))
    incidents = [Outage(i.started_at.isoformat(timespec="minutes"), i.subject, i.reason) for i in outages]
    return uptime, incidents


def _label(endpoint: MonitoredEndpoint) -> str:
    port = f":{endpoint.port}" if endpoint.port else ""
    return f"{endpoint.protocol}{port}"
