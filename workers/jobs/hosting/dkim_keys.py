"""Rotated-out DKIM keys after their overlap (tenants.hosting.dkim.OVERLAP): each is forgotten and
its record leaves the domain's zone (the zone's dns apply; the signing side dropped it at rotation)."""
from __future__ import annotations

from tenants.hosting.dkim import expired_keys
from tenants.hosting.domains import new_serial
from tenants.hosting.wanted import Work
from tenants.models import Customer, Domain
from workers import runtime
from workers.jobs.hosting.provisioning import enqueue_work


def retire_dkim_keys() -> str:
    servers: set[int] = set()
    with runtime.job_session() as s:
        keys = expired_keys(s)
        for key in keys:
            domain, customer = s.get(Domain, key.domain_id), s.get(Customer, key.customer_id)
            if domain is not None:
                domain.dns_serial = new_serial(domain.dns_serial)
            if customer is not None and customer.server_id is not None:
                servers.add(customer.server_id)
            s.delete(key)
        s.commit()
    enqueue_work([Work.service_on(server_id, "dns") for server_id in sorted(servers)])
    return f"{len(keys)} rotated-out DKIM key(s) removed"
