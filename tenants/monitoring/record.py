"""Recording check results: one per endpoint and cycle (a job run twice records one), each new
result applied to the service's state by the state rule, each change stored as an event."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tenants.models import CheckResult, MonitoredEndpoint, ServiceState, StateEvent
from tenants.monitoring.endpoints import in_maintenance
from tenants.monitoring.models import Health
from tenants.monitoring.state import State, next_state

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Outcome:
    """One probe outcome, in the domain's words (the workers translate their ProbeResult)."""

    endpoint_id: int
    up: bool
    latency_ms: float | None
    reason: str
    checked_at: datetime
    tls_expires: datetime | None = None
    tls_verified: bool | None = None


def interval_of(server, default: int) -> int:
    """A server's monitoring interval in minutes: its own, else the installation's
    (MONITOR_INTERVAL_MINUTES, every 10 minutes by default, OEM spec 監視). ``server`` is a Server
    or a row with its ``monitor_interval_minutes``."""
    return server.monitor_interval_minutes or default


def cycle_start(now: datetime, interval_minutes: int) -> datetime:
    """The start of the interval `now` falls in: the id of a monitoring cycle (every 10 minutes
    by default, OEM spec 監視), the same on every machine."""
    step = timedelta(minutes=max(1, interval_minutes))
    return EPOCH + ((now - EPOCH) // step) * step


def already_recorded(session, endpoint_ids: list[int], cycle: datetime) -> set[int]:
    if not endpoint_ids:
        return set()
    return set(session.execute(select(CheckResult.endpoint_id).where(
        CheckResult.cycle == cycle, CheckResult.endpoint_id.in_(endpoint_ids))).scalars())


def record_outcomes(session, server_id: int, cycle: datetime, outcomes: list[Outcome]) -> int:
    """Store each outcome once for this cycle and move the service's state; returns how many
    were new. A duplicate (the job ran twice, or concurrently elsewhere) changes nothing."""
    maintenance = in_maintenance(session, server_id, cycle)
    endpoints = {e.id: e for e in session.execute(select(MonitoredEndpoint).where(
        MonitoredEndpoint.id.in_([o.endpoint_id for o in outcomes]))).scalars()}
    done = already_recorded(session, list(endpoints), cycle)
    new = 0
    for outcome in outcomes:
        endpoint = endpoints.get(outcome.endpoint_id)
        if endpoint is None or outcome.endpoint_id in done:
            continue
        try:
            with session.begin_nested():
                session.add(CheckResult(
                    endpoint_id=endpoint.id, server_id=server_id, cycle=cycle, checked_at=outcome.checked_at,
                    up=outcome.up, latency_ms=outcome.latency_ms, reason=outcome.reason[:200],
                    tls_expires=outcome.tls_expires, tls_verified=outcome.tls_verified,
                    in_maintenance=maintenance))
                session.flush()
        except IntegrityError:
            continue  # recorded meanwhile by another run of this job
        _apply(session, endpoint, cycle, outcome, maintenance)
        new += 1
    session.flush()
    return new


def _apply(session, endpoint: MonitoredEndpoint, cycle: datetime, outcome: Outcome, maintenance: bool) -> None:
    row = session.get(ServiceState, endpoint.id)
    if row is None:
        row = ServiceState(endpoint_id=endpoint.id, server_id=endpoint.server_id, state=Health.UNKNOWN,
                           consecutive_failures=0)
        session.add(row)
    if row.last_cycle is not None and row.last_cycle >= cycle:
        return  # an older cycle retried late: kept as a result, never moves the state back
    current = State(row.state, row.consecutive_failures or 0, row.since, row.failing_since)
    new, change = next_state(current, outcome.up, outcome.checked_at, threshold=endpoint.failure_threshold,
                             in_maintenance=maintenance, reason=outcome.reason)
    row.state, row.consecutive_failures = new.state, new.failures
    row.since, row.failing_since = new.since, new.failing_since
    row.last_cycle, row.last_checked_at = cycle, outcome.checked_at
    row.last_reason, row.last_latency_ms = outcome.reason[:200], outcome.latency_ms
    if outcome.tls_expires is not None:
        row.tls_expires = outcome.tls_expires
    if change is not None:
        session.add(StateEvent(server_id=endpoint.server_id, endpoint_id=endpoint.id, subject=endpoint.label,
                               at=change.at, from_state=change.from_state, to_state=change.to_state,
                               reason=change.reason[:200], in_maintenance=change.in_maintenance,
                               alert=change.alert))
