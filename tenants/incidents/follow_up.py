"""What follows from a server's recorded monitoring cycle (OEM spec 障害対応): its incidents opened
and closed from the stored state, and the remediation steps to run for this cycle. The job runs
the steps and hands each result to tenants.incidents.remediation_plan.record, then plans the
fault-contact notices (tenants.incidents.rules.plan_incident_notices) and sends them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tenants.incidents.power_plan import note_host_returns
from tenants.incidents.remediation_plan import Step, plan
from tenants.incidents.rules import sync_incidents
from tenants.models import Incident, Server
from tenants.monitoring.record import cycle_start, interval_of


@dataclass
class FollowUp:
    cycle: datetime
    opened: list[Incident] = field(default_factory=list)
    closed: list[Incident] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)  # restarts claimed; login checks carry their power cycle


def follow_cycle(session, server: Server, cycle: datetime | None, now: datetime, default_interval: int,
                 remediate: bool = True) -> FollowUp:
    """Open and close the server's incidents as of ``now``, then plan (and claim) the remediation
    of its open incidents for ``cycle`` (by default the cycle ``now`` falls in). The caller
    commits before it runs a step, so another worker on the same cycle leaves the claimed ones."""
    interval = interval_of(server, default_interval)
    cycle = cycle or cycle_start(now, interval)
    opened, closed = sync_incidents(session, server.id, now)
    note_host_returns(session, closed)
    steps = plan(session, server.id, cycle, now, timedelta(minutes=interval)) if remediate else []
    return FollowUp(cycle, opened, closed, steps)
