"""Table-driven tests of the incident rules: notice clock, report due dates, restart budget, level 2."""
from datetime import date, datetime, timedelta, timezone

import pytest

from tenants.incidents.deadlines import (
    host_needs_reboot,
    outage_notice_due,
    power_cycle_decision,
    report_due_on,
    report_overdue,
    restart_decision,
)

UTC = timezone.utc
T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
TEN = timedelta(minutes=10)


@pytest.mark.parametrize("down_for, after, due", [
    (timedelta(0), TEN, False),
    (timedelta(minutes=9, seconds=59), TEN, False),
    (timedelta(minutes=10), TEN, True),
    (timedelta(hours=3), TEN, True),
    (timedelta(minutes=10), timedelta(minutes=30), False),  # configurable
    (timedelta(minutes=30), timedelta(minutes=30), True),
])
def test_outage_notice_after_ten_minutes(down_for, after, due):
    assert outage_notice_due(T0, T0 + down_for, after) is due


@pytest.mark.parametrize("recovered_utc, kind, due, why", [
    ("2026-11-20T06:00", "oem", "2026-11-24", "Friday: weekend and Labour Thanksgiving Monday skipped"),
    ("2026-11-20T06:00", "managed", "2026-11-25", "Friday: two business days, Tue and Wed"),
    ("2026-11-19T16:00", "oem", "2026-11-24", "Thursday 16:00 UTC is Friday 01:00 JST"),
    ("2026-11-19T14:00", "oem", "2026-11-20", "Thursday 23:00 JST: next business day Friday"),
    ("2026-12-29T02:00", "oem", "2027-01-04", "New Year closure 30 Dec - 3 Jan"),
    ("2026-12-28T02:00", "managed", "2027-01-04", "Mon 28 Dec: 29 Dec then 4 Jan"),
    ("2026-12-31T02:00", "managed", "2027-01-05", "inside the closure"),
    ("2026-05-01T02:00", "oem", "2026-05-07", "Golden Week: 2-6 May off"),
    ("2026-11-24T02:00", "oem", "2026-11-25", "plain Tuesday"),
])
def test_report_due_dates(recovered_utc, kind, due, why):
    at = datetime.fromisoformat(recovered_utc).replace(tzinfo=UTC)
    assert report_due_on(at, kind) == date.fromisoformat(due), why


@pytest.mark.parametrize("due, sent, today, overdue", [
    ("2026-11-24", False, "2026-11-24", False),
    ("2026-11-24", False, "2026-11-25", True),
    ("2026-11-24", True, "2026-11-30", False),
])
def test_report_overdue(due, sent, today, overdue):
    assert report_overdue(date.fromisoformat(due), sent, date.fromisoformat(today)) is overdue


def c(i):
    return T0 + TEN * i


@pytest.mark.parametrize("done, now, restart, escalate", [
    ([], 0, True, False),
    ([0], 1, True, False),
    ([0, 1], 2, True, False),
    ([0, 1, 2], 3, False, True),            # 3 restarts within 5 cycles: stop, escalate
    ([0, 1, 2], 4, False, True),
    ([0, 1, 2], 5, True, False),            # cycle 0 left the window of 5 (1..5)
    ([0, 2, 4], 4, False, True),            # already handled this cycle
    ([0, 3], 3, False, False),              # this cycle already restarted, budget left
    ([0, 5, 6], 7, True, False),            # 5,6 in window 3..7: only 2
])
def test_restart_budget_like_monit(done, now, restart, escalate):
    d = restart_decision([c(i) for i in done], c(now), TEN)
    assert (d.restart, d.escalate) == (restart, escalate)


@pytest.mark.parametrize("ping_up, login_ok, reboot", [
    (True, True, False), (True, False, False), (False, True, False), (False, False, True),
])
def test_level_two_reboot_only_when_ping_and_login_fail(ping_up, login_ok, reboot):
    assert host_needs_reboot(ping_up, login_ok) is reboot


H = timedelta(hours=1)


@pytest.mark.parametrize("this_outage, server, now, expected", [
    ([], [], T0, (True, False, "")),                              # first power cycle of the outage
    ([T0], [T0], T0 + TEN, (False, False, "waiting")),            # grace (20 min) still running
    ([T0], [T0], T0 + 2 * TEN, (False, True, "not_returned")),    # grace over, host still down
    ([], [T0 - TEN], T0, (False, False, "waiting")),              # another outage of the host was just cycled
    ([], [T0 - 3 * H], T0, (True, False, "")),                    # one earlier today: a second is allowed
    ([], [T0 - 6 * H, T0 - 3 * H], T0, (False, True, "budget")),  # two within 24 h: an engineer's turn
    ([], [T0 - 25 * H, T0 - 3 * H], T0, (True, False, "")),       # the older one left the 24 h window
])
def test_one_power_cycle_per_outage_two_a_day_per_server(this_outage, server, now, expected):
    d = power_cycle_decision(this_outage, server, now, grace=2 * TEN)
    assert (d.cycle, d.escalate, d.why) == expected
