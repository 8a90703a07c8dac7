"""What provider staff, reseller operators and end users see of monitoring."""
from datetime import timedelta

from sqlalchemy import select

from tenants.db import utcnow
from tenants.models import AuditLog, MaintenanceWindow, MonitoredEndpoint, Server, ServerAssignment
from tenants.monitoring.endpoints import endpoint_password
from tenants.monitoring.record import Outcome, record_outcomes
from tenants.monitoring.reports import JST, jst_midnight
from tenants.tenancy import Scope
from tests.monitoring.helpers import add_endpoints, cycle
from tests.support import scoped_session
from web.paging import PER_PAGE
from workers.jobs.monitoring.checks import check_server


def _second_server(app, hostname, resellers):
    with scoped_session(app, Scope.system()) as s:
        server = Server(hostname=hostname, address="127.0.0.2", role="web", driver="ssh")
        s.add(server)
        s.flush()
        s.add_all([ServerAssignment(server_id=server.id, reseller_id=r) for r in resellers])
        s.commit()
        return server.id


def _month_cycles(n):
    start = jst_midnight(utcnow().astimezone(JST).date().replace(day=1))
    return [start + timedelta(minutes=10 * i) for i in range(n)]


def _record(app, server_id, endpoint_id, ups):
    with scoped_session(app, Scope.system()) as s:
        for at, up in zip(_month_cycles(len(ups)), ups):
            record_outcomes(s, server_id, at, [Outcome(endpoint_id, up, 1.0 if up else None,
                                                       "ok" if up else "connection refused", at)])
        s.commit()


def test_provider_board_lists_failing_first(app, world, as_provider, nginx_server, closed_port):
    up, down = add_endpoints(app, world.server,
                             {"protocol": "http", "host": "127.0.0.1", "port": nginx_server.http_port},
                             {"protocol": "smtp", "host": "127.0.0.1", "port": closed_port.port,
                              "failure_threshold": 1, "timeout_seconds": 3})
    check_server(world.server, cycle(0), checked_at=cycle(0))
    page = as_provider.get("/admin/monitoring").get_data(as_text=True)
    board = page[page.index('id="monitor-board"'):]
    assert board.index(f"smtp:{closed_port.port}") < board.index(f"http:{nginx_server.http_port}")
    assert "connection refused" in board
    assert 'id="failing-count">1<' in page
    assert '<meta http-equiv="refresh" content="60">' in page  # live: the board reloads itself


def test_provider_board_is_paged_with_failing_first(app, world, as_provider):
    as_provider.get("/lang/en")
    quiet = add_endpoints(app, world.server, *[{"protocol": "http", "host": "127.0.0.1", "port": 1000 + i}
                                               for i in range(PER_PAGE + 5)])
    (failing,) = add_endpoints(app, world.server, {"protocol": "smtp", "host": "127.0.0.1", "port": 9,
                                                   "failure_threshold": 1})
    _record(app, world.server, failing, [False])
    _record(app, world.server, quiet[-1], [True])
    first = as_provider.get("/admin/monitoring").get_data(as_text=True)
    rows = first[first.index('id="monitor-board"'):].split("<tr class=\"state-")[1:]
    assert len(rows) == PER_PAGE and rows[0].startswith("down") and "smtp:9" in rows[0]
    assert rows[-1].startswith("unknown") and 'id="failing-count">1<' in first and "Page 1 of 2" in first
    second = as_provider.get("/admin/monitoring?page=2").get_data(as_text=True)
    rows = second[second.index('id="monitor-board"'):].split("<tr class=\"state-")[1:]
    assert len(rows) == 6 and rows[-1].startswith("up") and f"http:{1000 + PER_PAGE + 4}" in rows[-1]
    assert 'id="failing-count">1<' in second and "smtp:9" not in second


def test_provider_adds_role_defaults_edits_pauses_and_seals_credentials(app, world, as_provider):
    as_provider.get("/lang/en")
    r = as_provider.post(f"/admin/monitoring/servers/{world.server}/defaults", follow_redirects=True)
    assert r.status_code == 200
    with scoped_session(app, Scope.system()) as s:
        got = {(e.protocol, e.port) for e in s.scalars(select(MonitoredEndpoint))}
    assert len(got) == 13 and ("icmp", None) in got and ("imaps", 993) in got and ("mysql", 3306) in got
    r = as_provider.post(f"/admin/monitoring/servers/{world.server}/endpoints",
                         data={"protocol": "mysql", "port": "70000", "expect_status": "200",
                               "timeout_seconds": "5", "failure_threshold": "2"})
    assert r.status_code == 400 and "Enter a port from 1 to 65535." in r.get_data(as_text=True)
    r = as_provider.post(f"/admin/monitoring/servers/{world.server}/endpoints",
                         data={"protocol": "mysql", "port": "3307", "host": "127.0.0.1", "username": "monitor",
                               "password": "S3cret-pass", "expect_status": "200", "timeout_seconds": "5",
                               "failure_threshold": "3", "verify_tls": "y"})
    assert r.status_code == 302
    with scoped_session(app, Scope.system()) as s:
        e = s.scalar(select(MonitoredEndpoint).where(MonitoredEndpoint.port == 3307))
        assert e.failure_threshold == 3 and "S3cret-pass" not in e.password_secret
        assert endpoint_password(app.extensions["panel.box"], e) == "S3cret-pass"
        eid = e.id
    as_provider.post(f"/admin/monitoring/servers/{world.server}/endpoints/{eid}/pause")
    with scoped_session(app, Scope.system()) as s:
        assert s.get(MonitoredEndpoint, eid).paused is True
    page = as_provider.get(f"/admin/monitoring/servers/{world.server}").get_data(as_text=True)
    assert "Resume" in page and "mysql:3307" in page
    as_provider.post(f"/admin/monitoring/servers/{world.server}/endpoints/{eid}/pause")
    with scoped_session(app, Scope.system()) as s:
        assert s.get(MonitoredEndpoint, eid).paused is False


def test_paused_endpoint_is_not_checked(app, world, closed_port):
    (eid,) = add_endpoints(app, world.server, {"protocol": "smtp", "host": "127.0.0.1", "port": closed_port.port,
                                               "paused": True})
    assert check_server(world.server, cycle(0))["checked"] == 0


def test_maintenance_window_form(app, world, as_provider):
    as_provider.get("/lang/en")
    url = f"/admin/monitoring/servers/{world.server}/maintenance"
    r = as_provider.post(url, data={"starts_at": "2026-12-01T02:00", "ends_at": "2026-12-01T01:00"})
    assert r.status_code == 400 and "The end must be after the start." in r.get_data(as_text=True)
    r = as_provider.post(url, data={"starts_at": "2026-12-01T01:00", "ends_at": "2026-12-01T03:30",
                                    "note": "kernel update"}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "2026-12-01 01:00 – 2026-12-01 03:30 kernel update" in page  # shown in JST as entered


def _windows(app):
    with scoped_session(app, Scope.system()) as s:
        return {w.id: (w.server_id, w.note) for w in s.scalars(select(MaintenanceWindow))}


def test_maintenance_window_delete(app, world, as_provider):
    as_provider.get("/lang/en")
    other = _second_server(app, "web9.demo.example.jp", [world.demo])
    for server_id, note in ((world.server, "kernel update"), (other, "disk swap")):
        as_provider.post(f"/admin/monitoring/servers/{server_id}/maintenance",
                         data={"starts_at": "2026-12-01T01:00", "ends_at": "2026-12-01T03:30", "note": note})
    ((mine, _), (theirs, _)) = sorted(_windows(app).items(), key=lambda kv: kv[1][1] != "kernel update")
    # another server's window under this server's address: not found, nothing deleted
    r = as_provider.post(f"/admin/monitoring/servers/{world.server}/maintenance/{theirs}/delete")
    assert r.status_code == 404 and set(_windows(app)) == {mine, theirs}
    app.config["WTF_CSRF_ENABLED"] = True  # without the form's token: refused, nothing deleted
    try:
        r = as_provider.post(f"/admin/monitoring/servers/{world.server}/maintenance/{mine}/delete")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert r.status_code == 400 and set(_windows(app)) == {mine, theirs}
    r = as_provider.post(f"/admin/monitoring/servers/{world.server}/maintenance/{mine}/delete",
                         follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "Maintenance window deleted." in page and "kernel update" not in page
    assert _windows(app) == {theirs: (other, "disk swap")}
    with scoped_session(app, Scope.system()) as s:
        (entry,) = s.scalars(select(AuditLog).where(AuditLog.action == "monitoring.maintenance.delete")).all()
    assert "localhost 2026-11-30T16:00:00+00:00" in entry.summary and entry.object_id == world.server


def test_reseller_sees_only_its_servers_with_monthly_uptime(app, world, as_demo_operator, as_acme_operator):
    demo_only = _second_server(app, "web9.demo.example.jp", [world.demo])
    (shared,) = add_endpoints(app, world.server, {"protocol": "http", "host": "127.0.0.1", "port": 8})
    (private,) = add_endpoints(app, demo_only, {"protocol": "https", "host": "127.0.0.2", "port": 443})
    _record(app, world.server, shared, [True, True, True, False])
    _record(app, demo_only, private, [True, False])
    demo = as_demo_operator.get("/panel/monitoring").get_data(as_text=True)
    assert "web9.demo.example.jp" in demo and "75.000 %" in demo and "50.000 %" in demo
    acme = as_acme_operator.get("/panel/monitoring").get_data(as_text=True)
    assert "web9.demo.example.jp" not in acme and "75.000 %" in acme
    data = as_acme_operator.get("/panel/monitoring.json").get_json()
    assert [sv["hostname"] for sv in data["servers"]] == ["localhost"]
    (svc,) = data["servers"][0]["services"]
    assert svc["protocol"] == "http" and svc["uptime_percent_month"] == 75.0 and svc["state"] == "up"
    assert as_taro_cannot_read_panel(app)


def as_taro_cannot_read_panel(app):
    from tests.conftest import DEMO_PASSWORDS
    from tests.support import login

    c = app.test_client()
    login(c, "enduser", "taro", DEMO_PASSWORDS["taro"], code="demo")
    return c.get("/panel/monitoring.json").status_code in (302, 401, 403, 404)


def test_end_user_sees_their_own_servers_services(app, world, as_taro):
    other = _second_server(app, "mail9.demo.example.jp", [world.demo])
    (own,) = add_endpoints(app, world.server, {"protocol": "imaps", "host": "127.0.0.1", "port": 9993})
    (foreign,) = add_endpoints(app, other, {"protocol": "pop3s", "host": "127.0.0.2", "port": 995})
    _record(app, world.server, own, [False, False])
    _record(app, other, foreign, [True])
    page = as_taro.get("/u/demo/home").get_data(as_text=True)
    status = page[page.index('id="service-status"'):]
    assert "imaps" in status and 'badge down' in status
    assert "pop3s" not in status
