"""Monitoring jobs (OEM spec 監視: every server pinged and its services checked every 10 minutes).

tick()            every minute (the one scheduler): enqueues check_server for every server whose
                  cycle is due, with a job id made of server + cycle so a cycle is enqueued once.
check_server(id)  probes the server's endpoints concurrently (bounded) and records one result per
                  endpoint and cycle; run twice (a retry after a killed worker), it records nothing
                  new. Workers on any machine sharing Redis and the database add capacity.
roll_up()         hourly: roll-ups, retention.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tenants.crypto import SecretBox
from tenants.db import utcnow
from tenants.models import MonitoredEndpoint, Server
from tenants.monitoring.record import Outcome, already_recorded, cycle_start, interval_of, record_outcomes
from tenants.monitoring.reports import prune
from tenants.monitoring.reports import roll_up as roll_up_results
from tenants.servers.models import ServerStatus
from workers import runtime
from workers.jobs.monitoring.probe_targets import probe_target
from workers.probes import ProbeResult, run_probes
from workers.queues import connection, enqueue

CONCURRENCY = 200         # probes in flight per job


def job_id(server_id: int, cycle: datetime) -> str:
    return f"monitor-{server_id}-{cycle:%Y%m%dT%H%M}"


def due_servers(session, default_interval: int) -> list[tuple[int, int]]:
    """(server id, interval minutes) of every server that has something to check."""
    has_endpoints = select(MonitoredEndpoint.server_id).where(MonitoredEndpoint.paused.is_(False))
    return [(row.id, interval_of(row, default_interval)) for row in session.execute(
        select(Server.id, Server.monitor_interval_minutes)
        .where(Server.status != ServerStatus.RETIRED, Server.id.in_(has_endpoints)).order_by(Server.id))]


def tick(now: str | None = None) -> list[str]:
    """Enqueue this cycle's check job of every due server, once (a Redis SET NX per job id)."""
    at = datetime.fromisoformat(now) if now else utcnow()
    with runtime.job_session() as s:
        servers = due_servers(s, runtime.settings().monitor_interval_minutes)
    conn, queued = connection(), []
    for server_id, interval in servers:
        cycle = cycle_start(at, interval)
        jid = job_id(server_id, cycle)
        if conn.set(f"panel:monitor:enqueued:{jid}", "1", nx=True, ex=interval * 60 * 3):
            enqueue(check_server, server_id, cycle.isoformat(),
                    queue_name="monitoring", job_id=jid, retries=3, job_timeout=interval * 60)
            queued.append(jid)
    return queued


def outcome_of(endpoint_id: int, result: ProbeResult, checked_at: datetime) -> Outcome:
    return Outcome(endpoint_id=endpoint_id, up=result.up, latency_ms=result.latency_ms, reason=result.reason,
                   checked_at=checked_at, tls_expires=result.tls_expires, tls_verified=result.tls_verified)


def probe_processes() -> int | None:
    """PROBE_PROCESSES, or None: one probe process per core (workers/probes/shards.py)."""
    value = runtime.settings().probe_processes
    return None if value is None else max(1, value)


def check_server(server_id: int, cycle: str, checked_at: str | None = None,
                 concurrency: int = CONCURRENCY) -> dict:
    """Probe every unpaused endpoint of one server for one cycle and record the results."""
    cycle_at = datetime.fromisoformat(cycle)
    box = SecretBox(runtime.settings().encryption_keys)
    with runtime.job_session() as s:
        server = s.get(Server, server_id)
        if server is None or server.status == ServerStatus.RETIRED:
            return {"server": server_id, "checked": 0, "recorded": 0}
        endpoints = s.execute(select(MonitoredEndpoint).where(
            MonitoredEndpoint.server_id == server_id, MonitoredEndpoint.paused.is_(False))
            .order_by(MonitoredEndpoint.id)).scalars().all()
        done = already_recorded(s, [e.id for e in endpoints], cycle_at)
        todo = [e for e in endpoints if e.id not in done]
        probes = [probe_target(e, server, box) for e in todo]
        ids = [e.id for e in todo]
        s.rollback()  # hold no transaction open while probing
        results = run_probes(probes, concurrency, probe_processes()) if probes else []
        at = datetime.fromisoformat(checked_at) if checked_at else utcnow()
        recorded = record_outcomes(s, server_id, cycle_at, [outcome_of(i, r, at) for i, r in zip(ids, results)])
        s.commit()
    from workers.jobs.monitoring.resources import check_resources

    resources = check_resources(server_id, at.isoformat())  # through the server's driver, whichever transport
    return {"server": server_id, "checked": len(probes), "recorded": recorded, "resources": resources}


def retention_days() -> tuple[int, int]:
    settings = runtime.settings()
    # roll-ups look two days back: keep at least that
    return max(2, settings.monitor_keep_results_days), max(2, settings.monitor_keep_hourly_days)


def roll_up(now: str | None = None) -> int:
    at = datetime.fromisoformat(now) if now else utcnow()
    keep_results, keep_hourly = retention_days()
    with runtime.job_session() as s:
        n = roll_up_results(s, at)
        prune(s, at, timedelta(days=keep_results), timedelta(days=keep_hourly))
        s.commit()
        return n
