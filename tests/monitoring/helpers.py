"""Shared set-up for the monitoring tests: endpoints on the demo server, cycles 10 minutes apart."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tenants.models import MonitoredEndpoint, ServiceState, StateEvent
from tenants.tenancy import Scope
from tests.support import scoped_session

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)


def cycle(i: int) -> str:
    return (T0 + timedelta(minutes=10 * i)).isoformat()


def add_endpoints(app, server_id: int, *specs: dict) -> list[int]:
    with scoped_session(app, Scope.system()) as s:
        rows = [MonitoredEndpoint(server_id=server_id, **spec) for spec in specs]
        s.add_all(rows)
        s.commit()
        return [r.id for r in rows]


def states(app, ids) -> dict[int, tuple[str, int]]:
    with scoped_session(app, Scope.system()) as s:
        return {r.endpoint_id: (r.state, r.consecutive_failures) for r in s.scalars(
            select(ServiceState).where(ServiceState.endpoint_id.in_(ids)))}


def events(app, endpoint_id) -> list[tuple[datetime, str, str, bool]]:
    with scoped_session(app, Scope.system()) as s:
        return [(e.at, e.from_state, e.to_state, e.alert) for e in s.scalars(
            select(StateEvent).where(StateEvent.endpoint_id == endpoint_id).order_by(StateEvent.at, StateEvent.id))]
