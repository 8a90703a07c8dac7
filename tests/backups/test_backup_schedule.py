"""The backup schedule: each server at its own time (spread over the night by default), one run per
day, and a managed contract's backup option switching its server's plan on (issue 18 item 3)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from tenants.backups.models import BackupPlan, BackupRun
from tenants.backups.plans import NIGHT_MINUTES, NIGHT_START, is_due, spread_minute
from tenants.models import ContractOption
from tenants.tenancy import Scope
from tests.contracts.helpers import formed_contract
from tests.support import scoped_session


def test_default_times_are_spread_over_the_night():
    minutes = [spread_minute(server_id) for server_id in range(1, 41)]
    assert all(NIGHT_START <= m < NIGHT_START + NIGHT_MINUTES for m in minutes)
    assert len(set(m // 15 for m in minutes)) >= 15  # 40 servers over at least 15 quarter hours


def test_a_backup_option_switches_the_plan_on_and_the_tick_enqueues_once_a_day(app, world):
    from workers import queues
    from workers.jobs.backups.schedule import tick

    queues.queue("backups").empty()
    with scoped_session(app, Scope.system()) as s:
        contract = formed_contract(s, reseller_id=world.acme, server_id=world.server)
        s.add(ContractOption(contract_id=contract.id, reseller_id=world.acme, kind="daily_backup",
                             starts_on=date(2026, 2, 1), minimum_term_ends_on=date(2027, 1, 31)))
        s.commit()
    # 2026-12-02 00:30 JST: before the server's time (spread between 01:00 and 06:00 JST)
    with app.app_context():
        assert tick(datetime(2026, 12, 1, 15, 30, tzinfo=timezone.utc).isoformat()) == []
    with scoped_session(app, Scope.system()) as s:
        plan = s.execute(select(BackupPlan).where(BackupPlan.server_id == world.server)).scalar_one()
        assert plan.enabled and plan.switched_on_by == "option:daily_backup" and plan.keep_daily == 7
        assert plan.run_at_minute == spread_minute(world.server)
    with app.app_context():  # 06:30 JST: due
        assert tick(datetime(2026, 12, 1, 21, 30, tzinfo=timezone.utc).isoformat()) == [world.server]
    assert len(queues.queue("backups").get_job_ids()) == 1
    with scoped_session(app, Scope.system()) as s:
        plan = s.execute(select(BackupPlan).where(BackupPlan.server_id == world.server)).scalar_one()
        s.add(BackupRun(server_id=world.server, archive="daily-x", day="2026-12-02", state="ok",
                        taken_at=datetime(2026, 12, 1, 21, 30, tzinfo=timezone.utc)))
        s.commit()
        assert not is_due(s, plan, datetime(2026, 12, 1, 22, 0, tzinfo=timezone.utc))  # done today
        assert is_due(s, plan, datetime(2026, 12, 2, 21, 30, tzinfo=timezone.utc))  # tomorrow again
    queues.queue("backups").empty()


def test_a_missed_day_is_a_failed_run_and_an_incident(app, world):
    from tenants.backups.plans import save_plan
    from tenants.incidents.models import Incident
    from tenants.models import Server
    from workers import queues
    from workers.jobs.backups.schedule import tick

    with scoped_session(app, Scope.system()) as s:
        plan = save_plan(s, None, app.extensions["panel.box"], s.get(Server, world.server),
                         {"enabled": True, "target_kind": "path", "target_path": "/backup/borg", "run_at_minute": 120})
        plan.created_at = datetime(2026, 11, 1, tzinfo=timezone.utc)
        s.commit()
    with app.app_context():  # 2026-12-03 00:10 JST: nothing ran on 12-02
        tick(datetime(2026, 12, 2, 15, 10, tzinfo=timezone.utc).isoformat())
        tick(datetime(2026, 12, 2, 15, 15, tzinfo=timezone.utc).isoformat())  # once, not every tick
    with scoped_session(app, Scope.system()) as s:
        missed = s.execute(select(BackupRun).where(BackupRun.server_id == world.server)).scalars().all()
        assert [(r.day, r.state) for r in missed] == [("2026-12-02", "failed")] and "missed" in missed[0].reason
        opened = s.execute(select(Incident).where(Incident.server_id == world.server,
                                                  Incident.subject == "backup")).scalars().all()
        assert len(opened) == 1 and opened[0].status == "open" and "missed" in opened[0].reason
    queues.queue("backups").empty()
