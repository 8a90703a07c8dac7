"""Driving monitoring cycles by hand with an injected clock: probe the real endpoint, record the
outcome through the monitoring engine, then run the incident job for that cycle."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tenants.models import (
    Incident,
    IncidentEntry,
    MonitoredEndpoint,
    OutboxMail,
    RemediationCommand,
    ResellerContact,
    Server,
)
from tenants.monitoring.record import Outcome, record_outcomes
from tenants.tenancy import Scope
from tests.support import scoped_session
from workers.probes import Endpoint, run_probes


def system(app):
    return scoped_session(app, Scope.system())


def add_endpoint(app, server_id: int, port: int, *, protocol="http", threshold=2, restart_argv=None) -> int:
    with system(app) as s:
        e = MonitoredEndpoint(server_id=server_id, protocol=protocol, port=port, host="127.0.0.1",
                              failure_threshold=threshold, timeout_seconds=3.0)
        s.add(e)
        s.flush()
        if restart_argv is not None:
            s.add(RemediationCommand(server_id=server_id, endpoint_id=e.id, kind="restart", argv=restart_argv,
                                     timeout_seconds=20.0))
        s.commit()
        return e.id


def add_contacts(app, world) -> dict[str, str]:
    """One fault contact per reseller (demo's marked emergency)."""
    with system(app) as s:
        s.add(ResellerContact(reseller_id=world.demo, name="Demo NOC", email="noc@demo.example", is_emergency=True))
        s.add(ResellerContact(reseller_id=world.acme, name="Acme NOC", email="noc@acme.example"))
        s.commit()
    return {"demo": "noc@demo.example", "acme": "noc@acme.example"}


def set_server(app, server_id: int, **values) -> None:
    with system(app) as s:
        server = s.get(Server, server_id)
        for k, v in values.items():
            setattr(server, k, v)
        s.commit()


def record_cycle(app, server_id: int, endpoint_id: int, at: datetime, up: bool | None = None) -> bool:
    """One monitoring cycle of one endpoint at `at`: a real probe (or a given verdict), recorded."""
    with system(app) as s:
        e = s.get(MonitoredEndpoint, endpoint_id)
        if up is None:
            r = run_probes([Endpoint(protocol=e.protocol, host=e.host, port=e.port, timeout=3.0)], 1)[0]
            up, reason = r.up, r.reason
        else:
            reason = "answering" if up else "no answer"
        record_outcomes(s, server_id, at, [Outcome(endpoint_id, up, 1.0 if up else None, reason, at)])
        s.commit()
    return up


def incidents(app, endpoint_id: int) -> list[Incident]:
    with system(app) as s:
        rows = s.execute(select(Incident).where(Incident.endpoint_id == endpoint_id).order_by(Incident.id)).scalars().all()
        for r in rows:
            _ = r.report, list(r.entries)
        s.expunge_all()
        return rows


def timeline(app, incident_id: int) -> list[tuple[str, bool | None]]:
    with system(app) as s:
        return [(e.kind, e.ok) for e in s.execute(select(IncidentEntry).where(
            IncidentEntry.incident_id == incident_id).order_by(IncidentEntry.at, IncidentEntry.id)).scalars()]


def notices(app) -> list[tuple[str, str, str, int]]:
    with system(app) as s:
        return [(n.kind, n.recipient, n.status, n.attempts) for n in s.execute(
            select(OutboxMail).order_by(OutboxMail.id)).scalars()]


def victim_objects(app, world) -> None:
    """An incident with its fault report, and a mass-mail lock of acme's customer hanako, for the
    isolation walk (world.incident, world.report, world.lock)."""
    from datetime import timedelta, timezone

    from tenants.incidents.fault_reports import draft_report
    from tenants.models import MassMailLock

    at = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
    with system(app) as s:
        e = MonitoredEndpoint(server_id=world.server, protocol="smtp", port=2525, host="127.0.0.1")
        s.add(e)
        s.flush()
        incident = Incident(server_id=world.server, endpoint_id=e.id, subject=e.label, started_at=at,
                            detected_at=at, status="closed", recovered_at=at + timedelta(minutes=30))
        s.add(incident)
        s.flush()
        report = draft_report(s, incident)
        lock = MassMailLock(reseller_id=world.acme, customer_id=world.acme_customer, server_id=world.server,
                            address="hanako@example.jp", evidence={"count": 600, "threshold": 500}, locked_at=at)
        s.add(lock)
        s.commit()
        world.incident, world.report, world.lock = incident.id, report.id, lock.id
