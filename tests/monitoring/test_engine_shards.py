"""A large batch spread over processes (one event loop each) against real loopback servers: the
verdicts come back in input order, a closed port and a hung peer are DOWN with their reasons within
the probe timeouts, and a probe process that dies has its endpoints reported DOWN — never lost."""
import os
import threading
import time

import psutil
from sqlalchemy import select

from tenants.models import CheckResult
from tenants.tenancy import Scope
from tests.monitoring.helpers import add_endpoints, cycle
from tests.support import scoped_session
from workers.jobs.monitoring.checks import check_server
from workers.probes import Endpoint, run_probes
from workers.probes.shards import MIN_PER_PROCESS, shard_count, split


def _mixed(nginx, smtp, closed, ca):
    """Five kinds with five different verdicts, in an order no shard split keeps aligned."""
    kinds = [
        (lambda: Endpoint("https", "127.0.0.1", nginx.https_port, timeout=5, server_name="localhost", ca_file=ca),
         (True, "HTTP 200")),
        (lambda: Endpoint("http", "127.0.0.1", nginx.http_port, timeout=5, path="/no-such-page"),
         (False, "HTTP 404")),
        (lambda: Endpoint("smtp", "127.0.0.1", smtp.starttls_port, timeout=5, server_name="localhost", ca_file=ca),
         (True, "ok")),
        (lambda: Endpoint("pop3", closed.host, closed.port, timeout=5), (False, "connection refused")),
        (lambda: Endpoint("https", "127.0.0.1", nginx.https_port, timeout=5, server_name="localhost"),
         (False, "TLS certificate: self-signed certificate in certificate chain")),
    ]
    picks = [(i * 7 + i // 3) % len(kinds) for i in range(2 * MIN_PER_PROCESS + 11)]
    return [kinds[k][0]() for k in picks], [kinds[k][1] for k in picks]


def test_sharded_batch_keeps_input_order_and_verdicts(nginx_server, smtp_server, closed_port, tls_material):
    batch, expected = _mixed(nginx_server, smtp_server, closed_port, str(tls_material.ca_file))
    assert shard_count(len(batch), 20, processes=2) == 2
    results = run_probes(batch, 20, processes=2)
    assert [r.endpoint for r in results] == batch
    assert [(r.up, r.reason) for r in results] == expected
    verified = [r for r in results if r.up and r.endpoint.protocol == "https"]
    assert verified and all(r.tls_verified is True and r.tls_expires == tls_material.not_after for r in verified)


def test_small_batch_stays_in_one_process():
    assert shard_count(MIN_PER_PROCESS * 2 - 1, 200, processes=2) == 1
    assert shard_count(MIN_PER_PROCESS * 8, 200, processes=4) == 4
    assert shard_count(MIN_PER_PROCESS * 8, 3, processes=4) == 3  # never more shards than probes in flight
    batch = [Endpoint("http", "127.0.0.1", 80) for _ in range(11)]
    plan = split(batch, 7, 3)  # the job's bound is shared out, not multiplied
    assert [c for _, c in plan] == [3, 2, 2]
    assert sorted(i for positions, _ in plan for i in positions) == list(range(11))


def test_hung_peers_in_every_shard_cost_only_their_timeout(nginx_server, black_hole):
    batch = [Endpoint("imap", black_hole.host, black_hole.port, timeout=1.5) if i % 10 == 3
             else Endpoint("http", "127.0.0.1", nginx_server.http_port, timeout=5) for i in range(120)]
    started = time.monotonic()
    results = run_probes(batch, 40, processes=2)
    assert time.monotonic() - started < 4.5
    for i, result in enumerate(results):
        if i % 10 == 3:
            assert (result.up, result.reason) == (False, "timeout after 1.5s")
        else:
            assert (result.up, result.reason) == (True, "HTTP 200")


def _our_new_children(started: float) -> list[psutil.Process]:
    """The probe processes run_probes forked: copies of this process made after `started`."""
    me, found = psutil.Process(), []
    for child in me.children():
        try:
            if child.create_time() >= started - 1 and child.cmdline() == me.cmdline():
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


def test_a_killed_probe_process_reports_its_endpoints_down(black_hole):
    batch = [Endpoint("pop3", black_hole.host, black_hole.port, timeout=3) for _ in range(2 * MIN_PER_PROCESS)]
    started = time.time()
    killed: list[int] = []

    def kill_the_child():
        deadline = time.time() + 2.5
        while not killed and time.time() < deadline:
            for child in _our_new_children(started):
                child.kill()
                killed.append(child.pid)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_child)
    killer.start()
    try:
        results = run_probes(batch, len(batch), processes=2)
    finally:
        killer.join()
    assert len(killed) == 1 and time.time() - started < 5
    own, theirs = results[0::2], results[1::2]  # the calling process probes shard 0 itself
    assert {(r.up, r.reason) for r in own} == {(False, "timeout after 3s")}
    assert {(r.up, r.reason) for r in theirs} == {(False, "probe process killed by SIGKILL")}
    assert not psutil.pid_exists(killed[0]) or psutil.Process(killed[0]).status() != psutil.STATUS_ZOMBIE


def test_check_job_spreads_a_large_server_over_processes(app, world, nginx_server, closed_port, monkeypatch):
    monkeypatch.setattr(app.config["SETTINGS"], "probe_processes", 2)
    specs = [{"protocol": "http", "host": "127.0.0.1", "port": nginx_server.http_port, "timeout_seconds": 5,
              "path": f"/?n={i}"} if i % 4 else
             {"protocol": "ftp", "host": closed_port.host, "port": closed_port.port, "timeout_seconds": 5}
             for i in range(2 * MIN_PER_PROCESS + 4)]
    ids = add_endpoints(app, world.server, *specs)
    before = os.times()
    outcome = check_server(world.server, cycle(0), checked_at=cycle(0), concurrency=30)
    assert os.times().children_user + os.times().children_system > before.children_user + before.children_system
    assert outcome["recorded"] == len(ids)
    with scoped_session(app, Scope.system()) as s:
        rows = {r.endpoint_id: (r.up, r.reason)
                for r in s.scalars(select(CheckResult).where(CheckResult.endpoint_id.in_(ids)))}
    assert rows == {eid: (True, "HTTP 200") if i % 4 else (False, "connection refused") for i, eid in enumerate(ids)}


def test_forking_rq_worker_runs_a_sharded_check_job(app, world, nginx_server, monkeypatch):
    """As deployed: rq.Worker forks a work-horse for the job, which forks the probe processes."""
    from datetime import timedelta

    from rq import Worker
    from rq.job import Job

    from tests.monitoring.helpers import T0
    from workers import queues
    from workers.jobs.monitoring.checks import tick

    monkeypatch.setattr(app.config["SETTINGS"], "probe_processes", 2)
    ids = add_endpoints(app, world.server, *[
        {"protocol": "http", "host": "127.0.0.1", "port": nginx_server.http_port, "timeout_seconds": 5,
         "path": f"/?n={i}"} for i in range(2 * MIN_PER_PROCESS)])
    (jid,) = tick((T0 + timedelta(minutes=1)).isoformat())
    Worker([queues.queue("monitoring")], connection=queues.connection()).work(burst=True)
    assert Job.fetch(jid, connection=queues.connection()).get_status(refresh=True) == "finished"
    with scoped_session(app, Scope.system()) as s:
        ups = s.scalars(select(CheckResult.up).where(CheckResult.endpoint_id.in_(ids))).all()
    assert len(ups) == len(ids) and all(ups)
