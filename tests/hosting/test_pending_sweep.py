"""Changes saved in the panel are not lost with Redis: the periodic sweep finds every row still
pending, enqueues the apply job of each server's service and of each database once (never twice
while one waits in the queue), and the real tools apply them; a cancelled customer's rows are left
to its removal."""
from __future__ import annotations

import secrets
from datetime import date, timedelta

from sqlalchemy import select

from tenants.customers import rules as customers
from tenants.models import Customer, Database, Domain
from tenants.tenancy import Scope
from tests.hosting.helpers import run_jobs
from tests.hosting.test_provisioning import set_up_everything, states
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import tree
from workers import queues
from workers.jobs.hosting import provisioning
from workers.schedule import PERIODIC

SWEEP = provisioning.sweep_pending


def queued_work() -> list[tuple[str, tuple]]:
    queue = queues.queue("provisioning")
    return sorted((job.func_name, tuple(job.args)) for job in queue.get_jobs())


def sweep(app) -> None:
    """What the scheduler does every 5 minutes: put the sweep on the provisioning queue."""
    with app.app_context():
        queues.queue("provisioning").enqueue(SWEEP)


def test_the_sweep_runs_every_five_minutes_on_the_provisioning_queue():
    assert (SWEEP, "provisioning", 300, None) in PERIODIC


def test_changes_whose_jobs_were_lost_with_redis_are_applied_after_the_sweep(app, world, as_taro, local_server):
    set_up_everything(as_taro)
    queues.connection().flushdb()  # Redis restarted: every queued job is gone
    run_jobs(app)
    assert {state for _m, state in states(app, world.demo_customer)} == {"pending"}  # nothing else would

    sweep(app)
    run_jobs(app)
    assert {state for _m, state in states(app, world.demo_customer)} == {"applied"}
    files = tree(local_server / "cfg")
    assert "sites/shop.example.jp.conf" in files and "dns/shop.example.jp.zone" in files
    assert b"taroweb:" in files["ftp/pureftpd.passwd"][0]


def test_the_sweep_enqueues_each_service_and_database_once(app, world, as_taro, local_server):
    set_up_everything(as_taro)
    as_taro.post("/u/demo/databases", data={"engine": "mariadb", "name": f"shop{secrets.token_hex(3)}",
                                           "user": ""})
    with scoped_session(app, Scope.system()) as s:
        database_id = s.execute(select(Database.id)).scalar_one()
    from_panel = queued_work()
    jobs = "workers.jobs.hosting.provisioning"
    expected = sorted([(f"{jobs}.apply_service", (world.server, service)) for service in ("web", "mail", "ftp", "dns")]
                      + [(f"{jobs}.apply_database", (database_id,))])
    assert sorted(set(from_panel)) == expected

    with app.app_context():
        assert provisioning.sweep_pending() == []  # all of it is waiting already: nothing queued twice
    assert queued_work() == from_panel

    queues.connection().flushdb()
    with app.app_context():
        assert len(provisioning.sweep_pending()) == len(expected)
        assert queued_work() == expected
        assert provisioning.sweep_pending() == []
    assert queued_work() == expected


def test_a_cancelled_customers_pending_rows_are_left_to_its_removal(app, world, as_taro, local_server):
    as_taro.post("/u/demo/domains", data={"name": "leaving.example.jp"})
    with scoped_session(app, Scope.system()) as s:
        today = date.today()
        customers.cancel_customer(s, None, s.get(Customer, world.demo_customer), today + timedelta(days=30), today)
        s.commit()
    queues.connection().flushdb()

    sweep(app)
    run_jobs(app)
    assert queued_work() == []
    with scoped_session(app, Scope.system()) as s:
        assert s.execute(select(Domain.state)).scalar_one() == "pending"
    assert not (local_server / "cfg" / "sites" / "leaving.example.jp.conf").exists()
