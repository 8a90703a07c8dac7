"""The tick enqueues one check job per due server and cycle (deterministic ids, never twice); a
real RQ worker runs it; a job whose worker died is retried by RQ and records each check once."""
import shutil
import subprocess
import uuid
from datetime import timedelta

import pytest
from rq import SimpleWorker
from rq.job import Job
from rq.registry import StartedJobRegistry
from sqlalchemy import func, select

from tenants.models import CheckResult, Server
from tenants.tenancy import Scope
from tests.monitoring.helpers import T0, add_endpoints, cycle, events, states
from tests.support import IN_CI, scoped_session
from workers import queues
from workers.jobs.monitoring.checks import check_server, tick
from workers.schedule import PERIODIC


def _results(app, endpoint_id):
    with scoped_session(app, Scope.system()) as s:
        return s.scalar(select(func.count()).select_from(CheckResult).where(CheckResult.endpoint_id == endpoint_id))


def test_tick_is_in_the_one_scheduler():
    assert (tick, "monitoring", 60, None) in PERIODIC


def test_tick_enqueues_each_server_cycle_once_and_a_worker_records_it(app, world, nginx_server):
    (http,) = add_endpoints(app, world.server, {"protocol": "http", "host": "127.0.0.1",
                                                "port": nginx_server.http_port, "timeout_seconds": 5})
    now = T0 + timedelta(minutes=3)
    first = tick(now.isoformat())
    assert first == [f"monitor-{world.server}-20261102T0100"]
    assert tick((now + timedelta(minutes=1)).isoformat()) == []  # same cycle: not enqueued again
    job = Job.fetch(first[0], connection=queues.connection())
    assert job.retries_left == 3  # a killed worker's job is retried (RQ Retry)
    SimpleWorker([queues.queue("monitoring")], connection=queues.connection()).work(burst=True)
    assert job.get_status(refresh=True) == "finished"
    assert _results(app, http) == 1 and states(app, [http]) == {http: ("up", 0)}
    assert tick((now + timedelta(minutes=10)).isoformat()) == [f"monitor-{world.server}-20261102T0110"]


def test_interval_is_per_server(app, world, nginx_server):
    add_endpoints(app, world.server, {"protocol": "http", "host": "127.0.0.1", "port": nginx_server.http_port})
    with scoped_session(app, Scope.system()) as s:
        s.get(Server, world.server).monitor_interval_minutes = 30
        s.commit()
    assert tick((T0 + timedelta(minutes=25)).isoformat()) == [f"monitor-{world.server}-20261102T0100"]
    assert tick((T0 + timedelta(minutes=29)).isoformat()) == []
    assert tick((T0 + timedelta(minutes=31)).isoformat()) == [f"monitor-{world.server}-20261102T0130"]


def test_a_job_abandoned_by_a_killed_worker_is_retried_and_records_once(app, world, nginx_server):
    (http,) = add_endpoints(app, world.server, {"protocol": "http", "host": "127.0.0.1",
                                                "port": nginx_server.http_port, "timeout_seconds": 5})
    (jid,) = tick(T0.isoformat())
    conn = queues.connection()
    queue = queues.queue("monitoring")
    job = queue.dequeue_any([queue], None, connection=conn)[0]  # a worker took it ...
    assert job.id == jid
    check_server(world.server, cycle(0))  # ... recorded part of its work, and was killed
    registry = StartedJobRegistry(queue=queue)
    conn.zadd(registry.key, {f"{job.id}:{uuid.uuid4().hex}": 1})  # its heartbeat long expired
    job.set_status("started")
    registry.cleanup()
    scheduled = queue.scheduled_job_registry
    assert job.id in scheduled.get_job_ids()  # RQ retries it after the Retry interval ...
    scheduled.remove(job)
    queue.enqueue_job(job)  # ... which the worker's scheduler does when the interval is over
    SimpleWorker([queue], connection=conn).work(burst=True)
    assert job.get_status(refresh=True) == "finished"
    assert _results(app, http) == 1


def _netns_allowed() -> bool:
    if shutil.which("ip") is None:
        return False
    name = f"probe{uuid.uuid4().hex[:6]}"
    ok = subprocess.run(["ip", "netns", "add", name], capture_output=True).returncode == 0
    if ok:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return ok


def _ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def netns_host():
    """A host in a network namespace of this test, on a veth pair 10.231.7.0/30; yields (address, set_down)."""
    if not _netns_allowed():
        (pytest.fail if IN_CI else pytest.skip)("ip netns add is not permitted here")
    tag = uuid.uuid4().hex[:6]
    ns, outer, inner = f"mon{tag}", f"vmo{tag}", f"vmi{tag}"
    _ip("netns", "add", ns)
    try:
        _ip("link", "add", outer, "type", "veth", "peer", "name", inner)
        _ip("link", "set", inner, "netns", ns)
        _ip("addr", "add", "10.231.7.1/30", "dev", outer)
        _ip("link", "set", outer, "up")
        _ip("-n", ns, "addr", "add", "10.231.7.2/30", "dev", inner)
        _ip("-n", ns, "link", "set", inner, "up")
        _ip("-n", ns, "link", "set", "lo", "up")
        yield "10.231.7.2", lambda: _ip("-n", ns, "link", "set", inner, "down")
    finally:
        subprocess.run(["ip", "link", "del", outer], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def test_a_host_in_a_network_namespace_goes_down_when_its_link_does(app, world, netns_host):
    address, set_down = netns_host
    (icmp,) = add_endpoints(app, world.server, {"protocol": "icmp", "host": address, "timeout_seconds": 2})
    check_server(world.server, cycle(0), checked_at=cycle(0))
    assert states(app, [icmp]) == {icmp: ("up", 0)}
    set_down()
    for i in (1, 2):
        check_server(world.server, cycle(i), checked_at=cycle(i))
    assert states(app, [icmp]) == {icmp: ("down", 2)}
    assert [e[2] for e in events(app, icmp)] == ["up", "down"]
