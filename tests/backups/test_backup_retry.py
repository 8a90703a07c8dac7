"""A failed scheduled backup is tried again once the same day, 30 minutes later (a second failure
keeps the incident open and is notified as before; a good retry closes it); a day whose time
passed more than two hours ago with no run at all is a missed run and an incident, and the late
run that still comes closes it. Real borg, real repositories in a temporary folder."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tenants.backups.models import BackupPlan
from tenants.backups.plans import RETRY_AFTER
from tenants.tenancy import Scope
from tests.backups.helpers import DAY1, home, run_day, runs, set_up_plan
from tests.backups.test_backup_runs import incidents, outage_notices
from tests.support import scoped_session


def retry_jobs() -> list[tuple]:
    from workers import queues

    q = queues.queue("backups")
    return [tuple(job.args) for job in q.get_jobs() if job.args[2:] == ("retry",)]


def tick_at(app, at: datetime) -> list[int]:
    from workers.jobs.backups.schedule import tick

    with app.app_context():
        return tick(at.isoformat())


def retry_at(app, world, at: datetime) -> str:
    """The queued retry job, run at ``at`` (the job function the worker runs, with a stand-in clock)."""
    from workers.jobs.backups.run import run_backup

    with app.app_context():
        return run_backup(world.server, at.isoformat(), "retry")


def test_a_failed_run_is_tried_again_once_the_same_day(app, world, local_server):
    from workers import queues

    queues.queue("backups").empty()
    base = local_server
    blocked = base / "disk2"
    blocked.write_text("not a folder\n")  # the target's disk is not there: borg cannot make the repository
    set_up_plan(app, world, base, blocked / "repo")
    home(base, world.demo_customer).mkdir(parents=True)
    (home(base, world.demo_customer) / "index.html").write_text("hello\n")

    # day 1: the scheduled run at 03:00 JST fails, the retry 30 minutes later fails too
    assert "backup failed" in run_day(app, world, 0)
    failed = runs(app, world)[-1]
    assert [i.status for i in incidents(app, world)] == ["open"]
    assert tick_at(app, failed.finished_at + timedelta(minutes=10)) == [] and retry_jobs() == []
    later = failed.finished_at + RETRY_AFTER + timedelta(minutes=1)
    assert tick_at(app, later) == [world.server]
    assert retry_jobs() == [(world.server, None, "retry")]
    assert tick_at(app, later + timedelta(minutes=5)) == [] and len(retry_jobs()) == 1  # queued once
    queues.queue("backups").empty()
    assert "backup failed" in retry_at(app, world, later + timedelta(minutes=6))
    assert "already tried again" in retry_at(app, world, later + timedelta(minutes=7))  # once and only once
    for minutes in (40, 80, 300):
        assert tick_at(app, later + timedelta(minutes=minutes)) == []
    assert retry_jobs() == []
    day1 = [(r.day, r.trigger, r.state) for r in runs(app, world)]
    assert day1 == [("2026-12-02", "schedule", "failed"), ("2026-12-02", "retry", "failed")]
    assert [i.status for i in incidents(app, world)] == ["open"]  # still open after the second failure
    assert outage_notices(app, world, runs(app, world)[-1].finished_at) >= 1  # notified as before

    # day 2: the scheduled run fails, the disk is back before the retry, which succeeds
    assert "backup failed" in run_day(app, world, 1)
    blocked.unlink()
    blocked.mkdir()
    failed = runs(app, world)[-1]
    at = failed.finished_at + RETRY_AFTER + timedelta(minutes=1)
    assert tick_at(app, at) == [world.server]
    queues.queue("backups").empty()
    assert "ok" in retry_at(app, world, at)
    assert [(r.trigger, r.state) for r in runs(app, world)[2:]] == [("schedule", "failed"), ("retry", "ok")]
    assert [i.status for i in incidents(app, world)] == ["closed"]
    assert tick_at(app, at + timedelta(hours=1)) == [] and retry_jobs() == []


def test_a_run_missed_by_more_than_two_hours_opens_an_incident_the_late_run_closes_it(app, world, local_server):
    from workers import queues

    queues.queue("backups").empty()
    base = local_server
    set_up_plan(app, world, base, base / "disk2" / "repo")  # 03:00 JST
    with scoped_session(app, Scope.system()) as s:
        plan = s.execute(select(BackupPlan).where(BackupPlan.server_id == world.server)).scalar_one()
        plan.created_at = datetime(2026, 11, 1, tzinfo=timezone.utc)
        s.commit()
    home(base, world.demo_customer).mkdir(parents=True)
    (home(base, world.demo_customer) / "index.html").write_text("hello\n")
    assert "ok" in run_day(app, world, -1)  # 2026-12-01 went well

    # 2026-12-02: the workers are down; the tick enqueues the run at 03:00 JST but nothing takes it
    assert tick_at(app, DAY1 + timedelta(minutes=5)) == [world.server]
    assert tick_at(app, DAY1 + timedelta(hours=1, minutes=55)) == [world.server]
    assert incidents(app, world) == []  # within the margin: not missed yet
    tick_at(app, DAY1 + timedelta(hours=2, minutes=5))
    tick_at(app, DAY1 + timedelta(hours=2, minutes=10))  # noted once, not at every tick
    missed = [(r.day, r.trigger, r.state) for r in runs(app, world)]
    assert missed == [("2026-12-01", "schedule", "ok"), ("2026-12-02", "missed", "failed")]
    [opened] = incidents(app, world)
    assert opened.status == "open" and "2026-12-02 (missed)" in opened.reason

    # the workers are back: the queued run is taken late that day and closes the incident
    queues.queue("backups").empty()
    late = (DAY1 + timedelta(hours=2, minutes=20)).isoformat()
    from workers.jobs.backups.run import run_backup

    with app.app_context():
        assert "ok" in run_backup(world.server, late, "schedule")
    assert [(r.trigger, r.state) for r in runs(app, world)][-1] == ("schedule", "ok")
    assert [i.status for i in incidents(app, world)] == ["closed"]
