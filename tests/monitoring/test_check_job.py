"""The check job against REAL servers: a stopped service goes DOWN after N cycles and UP again
after a restart, with the events recorded; a job run twice records one result per cycle."""
from datetime import datetime

from sqlalchemy import func, select

from tenants.models import CheckResult, MaintenanceWindow
from tenants.tenancy import Scope
from tests.monitoring.helpers import add_endpoints, cycle, events, states
from tests.support import scoped_session
from workers.jobs.monitoring.checks import check_server


def at(i):
    return datetime.fromisoformat(cycle(i))


def test_nginx_stopped_goes_down_after_two_cycles_and_up_after_restart(app, world, nginx_restartable):
    nginx = nginx_restartable
    http, https = add_endpoints(
        app, world.server,
        {"protocol": "http", "host": "127.0.0.1", "port": nginx.http_port, "timeout_seconds": 5},
        {"protocol": "https", "host": "127.0.0.1", "port": nginx.https_port, "server_name": "localhost",
         "ca_file": str(nginx.tls.ca_file), "timeout_seconds": 5})
    first = check_server(world.server, cycle(0), checked_at=cycle(0))
    assert first["recorded"] == 2
    assert states(app, [http, https]) == {http: ("up", 0), https: ("up", 0)}

    nginx.stop()
    check_server(world.server, cycle(1), checked_at=cycle(1))
    assert states(app, [http, https]) == {http: ("up", 1), https: ("up", 1)}  # one failure is not DOWN
    check_server(world.server, cycle(2), checked_at=cycle(2))
    assert states(app, [http, https]) == {http: ("down", 2), https: ("down", 2)}
    again = check_server(world.server, cycle(2), checked_at=cycle(2))  # the job run twice
    assert again["recorded"] == 0 and again["checked"] == 0
    assert states(app, [http]) == {http: ("down", 2)}

    nginx.start()
    check_server(world.server, cycle(3), checked_at=cycle(3))
    assert states(app, [http, https]) == {http: ("up", 0), https: ("up", 0)}
    assert events(app, http) == [(at(0), "unknown", "up", False), (at(2), "up", "down", True),
                                 (at(3), "down", "up", True)]
    with scoped_session(app, Scope.system()) as s:
        assert s.scalar(select(func.count()).select_from(CheckResult).where(CheckResult.endpoint_id == http)) == 4
        reasons = s.scalars(select(CheckResult.reason).where(CheckResult.endpoint_id == http)
                            .order_by(CheckResult.cycle)).all()
    assert reasons[1] == "connection refused"


def test_dovecot_stopped_in_a_maintenance_window_is_recorded_not_alerted(app, world, dovecot_restartable):
    dovecot = dovecot_restartable
    imap, pop3s = add_endpoints(
        app, world.server,
        {"protocol": "imap", "host": "127.0.0.1", "port": dovecot.imap_port, "server_name": "localhost",
         "ca_file": str(dovecot.tls.ca_file), "timeout_seconds": 5, "failure_threshold": 3},
        {"protocol": "pop3s", "host": "127.0.0.1", "port": dovecot.pop3s_port, "server_name": "localhost",
         "ca_file": str(dovecot.tls.ca_file), "timeout_seconds": 5, "failure_threshold": 3})
    with scoped_session(app, Scope.system()) as s:
        s.add(MaintenanceWindow(server_id=world.server, starts_at=at(1), ends_at=at(4), note="upgrade"))
        s.commit()
    check_server(world.server, cycle(0), checked_at=cycle(0))
    dovecot.stop()
    for i in (1, 2):
        check_server(world.server, cycle(i), checked_at=cycle(i))
    assert states(app, [imap, pop3s]) == {imap: ("up", 2), pop3s: ("up", 2)}  # threshold 3
    check_server(world.server, cycle(3), checked_at=cycle(3))
    assert states(app, [imap]) == {imap: ("down", 3)}
    dovecot.start()
    check_server(world.server, cycle(4), checked_at=cycle(4))
    assert events(app, imap) == [(at(0), "unknown", "up", False), (at(3), "up", "down", False),
                                 (at(4), "down", "up", True)]


def test_icmp_to_loopback_is_up_and_a_closed_port_down(app, world, closed_port):
    icmp, closed = add_endpoints(
        app, world.server, {"protocol": "icmp", "host": "127.0.0.1", "timeout_seconds": 3},
        {"protocol": "smtp", "host": closed_port.host, "port": closed_port.port, "timeout_seconds": 3,
         "failure_threshold": 1})
    check_server(world.server, cycle(0), checked_at=cycle(0))
    assert states(app, [icmp, closed]) == {icmp: ("up", 0), closed: ("down", 1)}
    with scoped_session(app, Scope.system()) as s:
        latency = s.scalar(select(CheckResult.latency_ms).where(CheckResult.endpoint_id == icmp))
    assert latency is not None and latency >= 0


def test_the_same_cycle_run_by_two_workers_at_once_records_once(app, world, nginx_server, closed_port):
    from concurrent.futures import ThreadPoolExecutor

    ids = add_endpoints(app, world.server,
                        *({"protocol": "http", "host": "127.0.0.1", "port": nginx_server.http_port,
                           "path": f"/?n={i}", "timeout_seconds": 5} for i in range(20)),
                        {"protocol": "smtp", "host": "127.0.0.1", "port": closed_port.port, "failure_threshold": 1})
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: check_server(world.server, cycle(0), checked_at=cycle(0)), range(2)))
    assert sum(r["recorded"] for r in runs) == len(ids)
    with scoped_session(app, Scope.system()) as s:
        per_endpoint = dict(s.execute(select(CheckResult.endpoint_id, func.count())
                                      .group_by(CheckResult.endpoint_id)).all())
    assert per_endpoint == {i: 1 for i in ids}
    assert states(app, [ids[-1]]) == {ids[-1]: ("down", 1)}
    assert len(events(app, ids[-1])) == 1
