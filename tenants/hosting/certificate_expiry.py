"""Certificates that expire soon (issue 17), from both sources: the certificates the panel holds
for domains, and what the probes saw on every monitored TLS service (ServiceState.tls_expires).
The provider's monitoring board lists them; the alert job mails them at 14, 7 and 1 days."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from tenants.hosting.certificates import ALERT_DAYS, aware, now_utc
from tenants.models import Certificate, Domain, MonitoredEndpoint, Server, ServiceState

SOON = timedelta(days=max(ALERT_DAYS))


@dataclass(frozen=True)
class Expiring:
    subject: str             # "certificate:<id>" or "endpoint:<id>" (the alert's dedup key)
    name: str                # the domain, or host:port of the service
    not_after: datetime
    server_id: int | None
    server: str
    reseller_id: int | None  # whose customer's domain; None for a monitored service

    def days_left(self, now: datetime | None = None) -> int:
        return (self.not_after - (now or now_utc())).days


def expiring(session, within: timedelta = SOON, now: datetime | None = None) -> list[Expiring]:
    """Everything that expires within ``within`` (or has expired), soonest first."""
    now = now or now_utc()
    limit = now + within
    out = []
    rows = session.execute(select(Certificate, Domain).join(Domain, Domain.id == Certificate.domain_id)
                           .where(Certificate.not_after.is_not(None), Certificate.not_after <= limit,
                                  Domain.deleting.is_(False), Domain.https.is_(True)))
    for cert, domain in rows:
        out.append(Expiring(f"certificate:{cert.id}", domain.name, aware(cert.not_after) or limit, None, "",
                            domain.reseller_id))
    states = session.execute(select(ServiceState, MonitoredEndpoint, Server)
                             .join(MonitoredEndpoint, MonitoredEndpoint.id == ServiceState.endpoint_id)
                             .join(Server, Server.id == ServiceState.server_id)
                             .where(ServiceState.tls_expires.is_not(None), ServiceState.tls_expires <= limit))
    for state, endpoint, server in states:
        host = endpoint.server_name or endpoint.host or server.hostname
        out.append(Expiring(f"endpoint:{endpoint.id}", f"{host}:{endpoint.port}", aware(state.tls_expires) or limit,
                            server.id, server.hostname, None))
    return sorted(out, key=lambda e: e.not_after)
