"""Host-level correlation (issue 20 "one incident per host"; OEM spec 障害の切り分け): when a host
answers no ping — or every one of its services is down — that is ONE outage. One host incident is
opened; the services down under it are recorded as affected (tenants.models.IncidentAffected) and
open no incident of their own, so the fault contacts get one notice each and one fault report.
A service incident opened a cycle before the host was judged down is folded into it (``merged``).
When the host returns and a service stays down, that service becomes its own incident, starting
when the host returned (its own outage beyond the host's: counted once, and given the usual
10 minutes to come back after a restart before anyone is told).

Everything is decided from the stored states, so two workers at once agree (unique keys decide).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update

from tenants.incidents.models import EntryKind, IncidentKind, IncidentStatus
from tenants.incidents.timeline import add_entry
from tenants.models import Incident, IncidentAffected, IncidentEntry, MonitoredEndpoint, ServiceState
from tenants.monitoring.state import DOWN, UP

MIN_SERVICES = 2   # "every service down" needs at least two services: one down service is its own outage
HOST_SUBJECT = "host"


@dataclass
class HostView:
    """The server's services as of the stored states: the ping endpoint and the other services."""
    ping: tuple[ServiceState, MonitoredEndpoint] | None = None
    services: list[tuple[ServiceState, MonitoredEndpoint]] = field(default_factory=list)

    @property
    def ping_down(self) -> bool:
        return self.ping is not None and self.ping[0].state == DOWN

    @property
    def every_service_down(self) -> bool:
        return len(self.services) >= MIN_SERVICES and all(s.state == DOWN for s, _ in self.services)

    @property
    def down(self) -> bool:
        return self.ping_down or self.every_service_down

    def all(self) -> list[tuple[ServiceState, MonitoredEndpoint]]:
        return ([self.ping] if self.ping else []) + self.services


def host_view(states) -> HostView:
    view = HostView()
    for state, endpoint in states:
        if endpoint.paused:
            continue
        if endpoint.protocol == "icmp" and view.ping is None:
            view.ping = (state, endpoint)
        else:
            view.services.append((state, endpoint))
    return view


def open_host_incident(session, server_id: int, view: HostView, open_by_endpoint: dict, alerting, now: datetime,
                       insert_once) -> tuple[Incident | None, bool]:
    """The host incident of this outage, opened (or a service incident promoted to it) when the
    host is down and alerting. Returns (incident, opened by this call)."""
    current = next((i for i in open_by_endpoint.values() if i.kind == IncidentKind.HOST), None)
    if current is not None:
        return current, False
    anchors = [view.ping] if view.ping is not None and view.ping_down else view.services
    if not any(alerting(state) for state, _ in anchors):
        return None, False  # a maintenance window (or a first verdict): recorded, not alerted
    if view.ping_down:
        assert view.ping is not None
        state, endpoint = view.ping
    else:  # every service down: anchor on the service whose incident already runs, else the first
        state, endpoint = next(((s, e) for s, e in view.services if e.id in open_by_endpoint), view.services[0])
    reason = (state.last_reason or "")[:200]
    why = "no answer to ping" if view.ping_down else "every monitored service is down"
    existing = open_by_endpoint.get(endpoint.id)
    if existing is not None:  # promote the anchor's own incident: it was the host outage all along
        existing.kind, existing.subject = IncidentKind.HOST, HOST_SUBJECT
        add_entry(session, existing, now, EntryKind.DETECTED, f"host DOWN: {why}")
        return existing, False
    started = min((s.failing_since or s.since or now) for s, _ in view.all() if s.state == DOWN)
    new = Incident(server_id=server_id, endpoint_id=endpoint.id, subject=HOST_SUBJECT, kind=IncidentKind.HOST,
                   started_at=started, detected_at=state.since or now, reason=reason or why)
    if not insert_once(session, new):
        return None, False
    add_entry(session, new, new.detected_at, EntryKind.DETECTED, f"host DOWN: {why} {reason}".strip())
    return new, True


def fold_services(session, host: Incident, view: HostView, open_by_endpoint: dict, now: datetime) -> None:
    """Record every service down under the host outage as affected; fold the incidents services
    opened on their own before the host was judged down; note services that came back."""
    for incident in open_by_endpoint.values():
        if incident.id == host.id:
            continue
        done = session.execute(update(Incident).where(Incident.id == incident.id,
                                                      Incident.status == IncidentStatus.OPEN)
                               .values(status=IncidentStatus.MERGED, recovered_at=now)
                               .execution_options(synchronize_session=False)).rowcount
        if done == 1:
            session.refresh(incident)
            add_entry(session, incident, now, EntryKind.MERGED, f"part of the host outage, incident #{host.id}")
    have = {a.endpoint_id: a for a in session.execute(select(IncidentAffected).where(
        IncidentAffected.incident_id == host.id)).scalars()}
    for state, endpoint in view.all():
        if endpoint.id == host.endpoint_id:
            continue
        row = have.get(endpoint.id)
        if state.state == DOWN and row is None:
            row = IncidentAffected(incident_id=host.id, endpoint_id=endpoint.id, server_id=host.server_id,
                                   subject=endpoint.label, since=state.failing_since or state.since or now)
            if _insert(session, row):
                add_entry(session, host, now, EntryKind.AFFECTED, f"{endpoint.label} DOWN: {state.last_reason or ''}".strip())
        elif state.state == DOWN and row is not None and row.recovered_at is not None:
            row.recovered_at = None  # down again within the same host outage
        elif state.state == UP and row is not None and row.recovered_at is None:
            row.recovered_at = state.since or now


def _insert(session, row) -> bool:
    from tenants.incidents.rules import insert_once

    return insert_once(session, row)


def returned_at(incident: Incident, view: HostView, now: datetime) -> datetime:
    """When the host answered again: the ping's UP, else the first service back."""
    if view.ping is not None and view.ping[0].state == UP and view.ping[0].since:
        return max(view.ping[0].since, incident.started_at)
    back = [s.since for s, _ in view.services if s.state == UP and s.since and s.since >= incident.started_at]
    return min(back) if back else now


def finish_affected(session, host: Incident, view: HostView, at: datetime) -> None:
    """The host is back: services up are recovered; those still down are split off below."""
    states = {e.id: s for s, e in view.all()}
    for row in session.execute(select(IncidentAffected).where(IncidentAffected.incident_id == host.id,
                                                              IncidentAffected.recovered_at.is_(None))).scalars():
        state = states.get(row.endpoint_id)
        if state is None or state.state != DOWN:
            row.recovered_at = (state.since if state is not None and state.since else at)


def split_start(session, endpoint_id: int, state: ServiceState) -> tuple[datetime, int] | None:
    """For a service still down after its host outage closed: (when the host returned, host
    incident id), so its own incident starts there; None when it was not under a host outage."""
    row = session.execute(select(Incident.recovered_at, Incident.id).join(
        IncidentAffected, IncidentAffected.incident_id == Incident.id).where(
        IncidentAffected.endpoint_id == endpoint_id, Incident.status == IncidentStatus.CLOSED,
        IncidentAffected.recovered_at.is_(None)).order_by(Incident.recovered_at.desc()).limit(1)).first()
    if row is None or row[0] is None:
        return None
    failing = state.failing_since or state.since
    if failing is not None and failing > row[0]:
        return None  # a later failure streak of its own
    return row[0], row[1]


def mark_split(session, endpoint_id: int, host_id: int, incident: Incident, at: datetime) -> None:
    row = session.execute(select(IncidentAffected).where(IncidentAffected.incident_id == host_id,
                                                         IncidentAffected.endpoint_id == endpoint_id)).scalar()
    if row is not None:
        row.recovered_at = at  # no longer under the host: it is its own incident from here
    add_entry(session, incident, at, EntryKind.SPLIT,
              f"still down when the host returned (host incident #{host_id})")


def affected_labels(session, incident: Incident) -> list[str]:
    return list(session.execute(select(IncidentAffected.subject).where(
        IncidentAffected.incident_id == incident.id).order_by(IncidentAffected.endpoint_id)).scalars())


def merged_into(session, incident: Incident) -> str | None:
    return session.execute(select(IncidentEntry.detail).where(
        IncidentEntry.incident_id == incident.id, IncidentEntry.kind == EntryKind.MERGED).limit(1)).scalar()
