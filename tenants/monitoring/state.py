"""The state rule of a monitored service, as a pure function (issue 5 "State"; OEM spec 監視).

A service is DOWN only after N consecutive failed checks (no flapping on one lost packet), UP again
after one success. Every change is a Transition with the time it happened. A change that happens
inside a maintenance window is recorded but not alerted; so is the first verdict on a service
never seen before (there is nothing to recover from or fall from).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from tenants.monitoring.models import Health

UNKNOWN, UP, DOWN = Health.UNKNOWN, Health.UP, Health.DOWN


@dataclass(frozen=True)
class State:
    state: str = UNKNOWN
    failures: int = 0                     # consecutive failed checks
    since: datetime | None = None         # when the current state began
    failing_since: datetime | None = None  # first failure of the current streak


@dataclass(frozen=True)
class Transition:
    at: datetime
    from_state: str
    to_state: str
    reason: str
    in_maintenance: bool
    alert: bool


def next_state(current: State, up: bool, at: datetime, *, threshold: int = 2,
               in_maintenance: bool = False, reason: str = "") -> tuple[State, Transition | None]:
    """Apply one check result (taken at `at`) to a service's state."""
    threshold = max(1, int(threshold))
    if up:
        # issue 5: UP again after one success
        new = State(UP, 0, current.since if current.state == UP else at, None)
    else:
        failures = current.failures + 1
        failing_since = current.failing_since or at
        # issue 5 / DESIGN "Monitoring": DOWN only after N consecutive failures
        if failures >= threshold or current.state == DOWN:
            new = State(DOWN, failures, current.since if current.state == DOWN else at, failing_since)
        else:
            new = replace(current, failures=failures, failing_since=failing_since)
    if new.state == current.state:
        return new, None
    alert = not in_maintenance and current.state != UNKNOWN
    return new, Transition(at, current.state, new.state, reason, in_maintenance, alert)


def uptime_percent(ups: int, checks: int) -> float | None:
    """Share of answered checks; None when nothing was checked (not 100 %, not 0 %)."""
    if checks <= 0:
        return None
    return round(100.0 * ups / checks, 3)
