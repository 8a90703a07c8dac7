"""Monitoring work on a remote host over SSH: host B's own figures (its partitions, memory, its
network interfaces, its customer's disk use), the mass-mail lock from B's mail log through a
date-suffixed rotation, and a level-1 restart run on B; a host key that changed is refused and
says so in the open incident's timeline."""
from __future__ import annotations

import os
import signal
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from tenants.models import (
    Course,
    Customer,
    CustomerUsageSample,
    MailLogCursor,
    MassMailLock,
    MonitoredEndpoint,
    RemediationCommand,
    Server,
    ServerSample,
)
from tenants.tenancy import Scope
from tests.incidents.helpers import incidents, record_cycle, timeline
from tests.support import scoped_session, wait_for
from tests.workers.drivers.local_helpers import need_tool
from workers.drivers.host.nginx import traffic_log
from workers.jobs.incidents.cycle import after_cycle
from workers.jobs.mail_abuse import scan_server
from workers.jobs.monitoring.metrics import collect_metrics
from workers.jobs.monitoring.resources import check_resources

TEN = timedelta(minutes=10)


def test_metrics_of_host_b_are_read_on_host_b(app, world, fleet, as_hanako):
    home = fleet.b.root / "homes" / str(world.acme_customer)
    home.mkdir(parents=True)
    (home / "big.bin").write_bytes(os.urandom(1 << 20))
    assert as_hanako.post("/u/acme/domains", data={"name": "hana.example.jp"}).status_code == 302
    access_log = traffic_log(fleet.b.root / "cfg")  # what nginx on B writes per request, naming the site
    access_log.parent.mkdir(parents=True)
    access_log.write_text("hana.example.jp 1764900000.000 200 300 5000\nother.example.jp 1764900000.5 200 9 9\n")
    assert collect_metrics() >= 3  # the local server and the two hosts
    with open(access_log, "a") as handle:
        handle.write("hana.example.jp 1764900100.000 200 200 7000\nhana.example.jp 1764900200.000 404 100 1000\n")
    os.rename(access_log, f"{access_log}.1")  # rotated between the runs
    access_log.write_text("hana.example.jp 1764900300.000 200 400 2000\n")
    collect_metrics()
    with scoped_session(app, Scope.system()) as s:
        labels = set(s.execute(select(ServerSample.label).where(ServerSample.server_id == fleet.server_b,
                                                               ServerSample.metric == "net_rx_bytes")).scalars())
        metrics = set(s.execute(select(ServerSample.metric).where(ServerSample.server_id == fleet.server_b)).scalars())
        hanako = s.get(Customer, world.acme_customer)
        assert labels == {"eth0"}  # B's own interface (lo is left out), not the panel machine's bridge
        assert {"disk_used", "mem_used", "mem_total"} <= metrics
        assert hanako.disk_used_bytes >= 1 << 20
        moved = s.execute(select(func.sum(CustomerUsageSample.traffic_in_bytes),
                                 func.sum(CustomerUsageSample.traffic_out_bytes))
                          .where(CustomerUsageSample.customer_id == world.acme_customer)).one()
        assert tuple(moved) == (300 + 200 + 100 + 400, 5000 + 7000 + 1000 + 2000)  # each request once


def test_mass_mail_lock_reads_host_b_log_through_a_dated_rotation(app, world, fleet):
    from tests.incidents.test_mass_mail_lock import NOW, sends

    with scoped_session(app, Scope.system()) as s:
        s.get(Course, world.acme_course).mass_mail_per_hour = 50
        s.commit()
    log = fleet.b.root / "log" / "mail.log"
    lines = sends("hanako@example.jp", 60)
    log.write_text("\n".join(lines[:100]) + "\n")
    first = scan_server(fleet.server_b, NOW.isoformat())
    assert first["locked"] == []  # not yet over 50 within the hour
    with open(log, "a") as handle:  # written after our run, then rotated with dateext
        handle.write("\n".join(lines[100:200]) + "\n")
    os.rename(log, fleet.b.root / "log" / "mail.log-20261224")
    log.write_text("\n".join(lines[200:]) + "\n")
    second = scan_server(fleet.server_b, NOW.isoformat())
    assert second["locked"] == ["hanako@example.jp"]
    with scoped_session(app, Scope.system()) as s:
        lock = s.execute(select(MassMailLock)).scalar_one()
        assert lock.server_id == fleet.server_b and lock.customer_id == world.acme_customer
        assert lock.evidence["count"] == 60  # every message once: the rotated tail was finished
        cursor = s.get(MailLogCursor, fleet.server_b)
        assert cursor.last_summary["rotated"] and not cursor.last_summary["lost_rotated_tail"]


def _endpoint_on(app, server_id: int, address: str, port: int, restart_argv: list[str]) -> int:
    with scoped_session(app, Scope.system()) as s:
        e = MonitoredEndpoint(server_id=server_id, protocol="http", port=port, host=address, failure_threshold=2,
                              timeout_seconds=3.0, expect_status=404)
        s.add(e)
        s.flush()
        s.add(RemediationCommand(server_id=server_id, endpoint_id=e.id, kind="restart", argv=restart_argv,
                                 timeout_seconds=20.0))
        s.commit()
        return e.id


def test_level1_restart_runs_on_host_b_and_a_changed_host_key_goes_into_the_timeline(app, world, fleet):
    need_tool("nginx")
    b = fleet.b
    prefix = b.root / "web"
    (prefix / "logs").mkdir(parents=True)
    conf = prefix / "nginx.conf"
    conf.write_text(f"pid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log;\nevents {{}}\n"
                    f"http {{ access_log off; server {{ listen {b.address}:8081; return 404; }} }}\n")
    eid = _endpoint_on(app, fleet.server_b, b.address, 8081, ["nginx", "-c", str(conf), "-p", f"{prefix}/"])
    t0 = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
    try:
        for i in range(3):  # answering, then not running: two failed cycles make it DOWN
            at = t0 + TEN * i
            record_cycle(app, fleet.server_b, eid, at, up=i == 0)
            result = after_cycle(fleet.server_b, at.isoformat(), at.isoformat())
        assert result["actions"] == 1
        [incident] = incidents(app, eid)
        assert ("restart", True) in timeline(app, incident.id) and ("reprobe", True) in timeline(app, incident.id)
        pid = int(wait_for(lambda: (prefix / "nginx.pid").exists() and (prefix / "nginx.pid").read_text(), 5))
        ran_in = b.exec("ip", "netns", "identify", str(pid)).stdout.strip()
        assert ran_in == b.netns  # restarted on host B, over SSH

        with scoped_session(app, Scope.system()) as s:
            s.get(Server, fleet.server_b).host_key = fleet.a.host_key  # B now answers with a key not pinned
            s.commit()
        checked = check_resources(fleet.server_b, (t0 + TEN * 3).isoformat())
        assert checked["recorded"] is False and "not the pinned" in checked["error"]
        assert ("host_key", False) in timeline(app, incident.id)
    finally:
        pid_file = prefix / "nginx.pid"
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text()), signal.SIGTERM)  # nginx's fast shutdown, workers included
            except (ProcessLookupError, ValueError):
                pass
            wait_for(lambda: not pid_file.exists(), 10)
