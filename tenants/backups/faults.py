"""A failed backup run is a fault like any other (issue 18; managed terms 障害対応): it opens an
incident on the server, which the incident cycle notifies after the same 10 minutes as an outage
(tenants/incidents/rules.py); the next successful run closes it.

Incidents hang off a monitored endpoint; backups have one per server, protocol ``backup``, kept
paused so the probes never check it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tenants.incidents.models import EntryKind, Incident, IncidentKind, IncidentStatus
from tenants.incidents.rules import close_incident
from tenants.incidents.timeline import add_entry
from tenants.monitoring.models import MonitoredEndpoint

PROTOCOL = "backup"


def backup_endpoint(session, server_id: int) -> MonitoredEndpoint:
    endpoint = session.execute(select(MonitoredEndpoint).where(
        MonitoredEndpoint.server_id == server_id, MonitoredEndpoint.protocol == PROTOCOL)).scalar()
    if endpoint is None:
        endpoint = MonitoredEndpoint(server_id=server_id, protocol=PROTOCOL, paused=True)
        session.add(endpoint)
        session.flush()
    return endpoint


def open_backup_incident(session, server_id: int, reason: str, now: datetime) -> Incident:
    """The open backup incident of the server (opened now if there is none), with this failure."""
    endpoint = backup_endpoint(session, server_id)
    incident = session.execute(select(Incident).where(
        Incident.endpoint_id == endpoint.id, Incident.status == IncidentStatus.OPEN)).scalar()
    if incident is None:
        incident = Incident(server_id=server_id, endpoint_id=endpoint.id, subject=PROTOCOL, kind=IncidentKind.SERVICE,
                            started_at=now, detected_at=now, reason=reason[:200])
        session.add(incident)
        session.flush()
    add_entry(session, incident, now, EntryKind.DETECTED, f"backup failed: {reason}", ok=False)
    return incident


def close_backup_incident(session, server_id: int, now: datetime, detail: str) -> None:
    endpoint = session.execute(select(MonitoredEndpoint).where(
        MonitoredEndpoint.server_id == server_id, MonitoredEndpoint.protocol == PROTOCOL)).scalar()
    if endpoint is None:
        return
    for incident in session.execute(select(Incident).where(
            Incident.endpoint_id == endpoint.id, Incident.status == IncidentStatus.OPEN)).scalars():
        close_incident(session, incident, now, detail)
