"""Roll-ups and retention: hourly and daily counts, monthly uptime unchanged when raw results
are pruned, maintenance checks left out of uptime."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from tenants.models import CheckResult, CheckRollup, MaintenanceWindow
from tenants.monitoring.record import Outcome, record_outcomes
from tenants.monitoring.reports import monthly_uptime
from tenants.tenancy import Scope
from tests.monitoring.helpers import add_endpoints
from tests.support import scoped_session
from workers.jobs.monitoring.checks import roll_up

START = datetime(2026, 10, 1, 15, 0, tzinfo=timezone.utc)  # 2026-10-02 00:00 JST


def test_roll_ups_keep_monthly_uptime_after_raw_results_are_pruned(app, world):
    (eid,) = add_endpoints(app, world.server, {"protocol": "http", "host": "127.0.0.1", "port": 8})
    with scoped_session(app, Scope.system()) as s:
        # the second JST day, 03:00–04:00 JST, is a maintenance window
        s.add(MaintenanceWindow(server_id=world.server, starts_at=START + timedelta(days=1, hours=3),
                                ends_at=START + timedelta(days=1, hours=4)))
        for i in range(2 * 144):  # two JST days, every 10 minutes; every 12th check fails
            at = START + timedelta(minutes=10 * i)
            up = i % 12 != 0
            record_outcomes(s, world.server, at, [Outcome(eid, up, 2.0 if up else None, "", at)])
        s.commit()
        before = monthly_uptime(s, [eid], 2026, 10)[eid]
    roll_up((START + timedelta(days=2, minutes=5)).isoformat())
    with scoped_session(app, Scope.system()) as s:
        days = s.execute(select(CheckRollup.checks, CheckRollup.ups, CheckRollup.maintenance_checks)
                         .where(CheckRollup.period == "day").order_by(CheckRollup.period_start)).all()
        hours = s.scalar(select(func.count()).select_from(CheckRollup).where(CheckRollup.period == "hour"))
    assert [tuple(d) for d in days] == [(144, 132, 0), (138, 126, 6)]
    assert hours == 48
    roll_up((START + timedelta(days=2, minutes=5)).isoformat())  # again: same roll-ups, not doubled
    with scoped_session(app, Scope.system()) as s:
        assert s.scalar(select(func.count()).select_from(CheckRollup).where(CheckRollup.period == "day")) == 2
    roll_up((START + timedelta(days=app.config["SETTINGS"].monitor_keep_results_days + 3)).isoformat())  # raw results pruned
    with scoped_session(app, Scope.system()) as s:
        assert s.scalar(select(func.count()).select_from(CheckResult)) == 0
        after = monthly_uptime(s, [eid], 2026, 10)[eid]
    assert before == after == round(100 * 258 / 282, 3)


def test_retention_is_configurable(app, world, monkeypatch):
    (eid,) = add_endpoints(app, world.server, {"protocol": "http", "host": "127.0.0.1", "port": 8})
    with scoped_session(app, Scope.system()) as s:
        for day in range(6):
            at = START + timedelta(days=day)
            record_outcomes(s, world.server, at, [Outcome(eid, True, 1.0, "ok", at)])
        s.commit()
    monkeypatch.setattr(app.config["SETTINGS"], "monitor_keep_results_days", 3)
    roll_up((START + timedelta(days=6)).isoformat())
    with scoped_session(app, Scope.system()) as s:
        kept = s.scalars(select(CheckResult.cycle).order_by(CheckResult.cycle)).all()
    assert kept == [START + timedelta(days=d) for d in (3, 4, 5)]
