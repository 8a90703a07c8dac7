"""The state rule, table-driven: sequences of check results → states and transitions."""
from datetime import datetime, timedelta, timezone

import pytest

from tenants.monitoring.state import DOWN, UNKNOWN, UP, State, next_state, uptime_percent

T0 = datetime(2026, 11, 1, 0, 0, tzinfo=timezone.utc)


def run(results, threshold=2, maintenance=()):
    """Feed results (True/False) 10 minutes apart; return final state and (minute, from, to, alert)."""
    state, events = State(), []
    for i, up in enumerate(results):
        at = T0 + timedelta(minutes=10 * i)
        state, change = next_state(state, up, at, threshold=threshold, in_maintenance=i in maintenance,
                                   reason="ok" if up else "connection refused")
        if change:
            assert change.at == at
            events.append((10 * i, change.from_state, change.to_state, change.alert))
    return state, events


@pytest.mark.parametrize("results, threshold, maintenance, final, failures, events", [
    # first verdict is recorded, not alerted
    ([True], 2, (), UP, 0, [(0, UNKNOWN, UP, False)]),
    # one failure is not DOWN with the default threshold 2
    ([True, False], 2, (), UP, 1, [(0, UNKNOWN, UP, False)]),
    # two consecutive failures: DOWN at the second
    ([True, False, False], 2, (), DOWN, 2, [(0, UNKNOWN, UP, False), (20, UP, DOWN, True)]),
    # a success in between resets the count: no flapping
    ([True, False, True, False, True], 2, (), UP, 0, [(0, UNKNOWN, UP, False)]),
    # UP again after one success
    ([True, False, False, False, True], 2, (), UP, 0,
     [(0, UNKNOWN, UP, False), (20, UP, DOWN, True), (40, DOWN, UP, True)]),
    # threshold 1: DOWN at the first failure
    ([True, False], 1, (), DOWN, 1, [(0, UNKNOWN, UP, False), (10, UP, DOWN, True)]),
    # threshold 3
    ([True, False, False, False], 3, (), DOWN, 3, [(0, UNKNOWN, UP, False), (30, UP, DOWN, True)]),
    # a never-seen service that fails is DOWN after N, not alerted (nothing fell)
    ([False, False], 2, (), DOWN, 2, [(10, UNKNOWN, DOWN, False)]),
    # DOWN inside a maintenance window: recorded, not alerted; recovery outside it is alerted
    ([True, False, False, True], 2, (1, 2), UP, 0,
     [(0, UNKNOWN, UP, False), (20, UP, DOWN, False), (30, DOWN, UP, True)]),
])
def test_state_sequences(results, threshold, maintenance, final, failures, events):
    state, got = run(results, threshold, set(maintenance))
    assert state.state == final
    assert state.failures == failures
    assert got == events


def test_since_and_failing_since_are_the_times_of_the_change_and_first_failure():
    state, _ = run([True, False, False, False])
    assert state.since == T0 + timedelta(minutes=20)
    assert state.failing_since == T0 + timedelta(minutes=10)
    state, _ = run([True, False, False, True, True])
    assert state.since == T0 + timedelta(minutes=30) and state.failing_since is None


@pytest.mark.parametrize("ups, checks, expected", [(0, 0, None), (10, 10, 100.0), (4319, 4320, 99.977),
                                                     (0, 5, 0.0)])
def test_uptime_percent(ups, checks, expected):
    assert uptime_percent(ups, checks) == expected


@pytest.mark.parametrize("contract, files, db, expected", [
    (False, 950, 95, {"disk:/": True, "inodes:/": False, "disk:/home": False, "inodes:/home": True,
                      "memory": False}),
    (True, 950, 80, {"disk:/": True, "inodes:/": False, "disk:/home": False, "inodes:/home": True,
                     "memory": False, "files": True, "db_size": False}),
    (True, 899, 90, {"disk:/": True, "inodes:/": False, "disk:/home": False, "inodes:/home": True,
                     "memory": False, "files": False, "db_size": True}),
])
def test_resource_thresholds(contract, files, db, expected):
    from tenants.monitoring.resources import Limits, is_over, readings

    limits = Limits(contract_monitoring=contract, file_count_limit=1000, db_size_limit_bytes=100)
    got = readings(limits, [("/", 90.0, 10.0), ("/home", 89.99, 50.0)], 42.0, files, db)
    assert {r.metric: is_over(r) for r in got} == expected
