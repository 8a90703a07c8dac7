"""A reseller's public status page (issue 20): its servers' state, open incidents, maintenance and
90-day uptime, with no login, under its brand only — no provider name, no host names, nothing of
another reseller's servers."""
from __future__ import annotations

from datetime import timedelta

from tenants.db import utcnow
from tenants.models import (
    CheckResult,
    Incident,
    MaintenanceWindow,
    MonitoredEndpoint,
    Server,
    ServerAssignment,
    ServiceState,
)
from tenants.servers.rules import register_server
from tenants.tenancy import Scope
from tests.support import scoped_session


def _endpoint(s, server_id, protocol, port, state, ups=0, downs=0, incident=False):
    now = utcnow()
    e = MonitoredEndpoint(server_id=server_id, protocol=protocol, port=port, host="127.0.0.1")
    s.add(e)
    s.flush()
    s.add(ServiceState(endpoint_id=e.id, server_id=server_id, state=state, since=now - timedelta(hours=2)))
    for n in range(ups + downs):
        s.add(CheckResult(endpoint_id=e.id, server_id=server_id, cycle=now - timedelta(days=1, minutes=10 * n),
                          up=n < ups))
    if incident:
        s.add(Incident(server_id=server_id, endpoint_id=e.id, subject=e.label, started_at=now - timedelta(hours=2),
                       detected_at=now - timedelta(hours=2), reason="connection refused"))
    return e


def test_the_status_page_shows_the_resellers_servers_without_login_and_nothing_else(app, world, client):
    with scoped_session(app, Scope.system()) as s:
        ours = s.get(Server, world.server)
        s.query(ServerAssignment).filter(ServerAssignment.server_id == ours.id,
                                         ServerAssignment.reseller_id == world.acme).delete()
        _endpoint(s, ours.id, "http", 8080, "up", ups=3, downs=1)
        _endpoint(s, ours.id, "imap", 1143, "down", incident=True)
        s.add(MaintenanceWindow(server_id=ours.id, starts_at=utcnow() + timedelta(days=3),
                                ends_at=utcnow() + timedelta(days=3, hours=2), note="kernel update"))
        theirs = register_server(s, None, {"hostname": "acme-only.example.net", "address": "127.0.0.9",
                                           "role": "all-in-one", "kind": "oem", "driver": "local"})
        s.add(ServerAssignment(server_id=theirs.id, reseller_id=world.acme))
        _endpoint(s, theirs.id, "smtp", 2525, "down", incident=True)
        hostname = ours.hostname
        s.commit()
    client.get("/lang/en")
    page = client.get("/u/demo/status")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="server-1" data-state="down"' in html and "server-2" not in html
    assert "http:8080" in html and "imap:1143" in html and "75.00 %" in html
    assert "imap:1143: not answering since" in html and "kernel update" in html
    assert "smtp:2525" not in html and "acme-only" not in html  # another reseller's server
    assert hostname not in html and "OEM Hosting" not in html and "127.0.0.1" not in html
    assert "デモホスティング" in html  # the reseller's brand
    acme = client.get("/u/acme/status").get_data(as_text=True)
    assert "smtp:2525" in acme and "http:8080" not in acme and "acme-only" not in acme
    assert client.get("/u/no-such-reseller/status").status_code == 404


def test_the_status_page_is_in_japanese_by_default(app, world, client):
    html = client.get("/u/demo/status").get_data(as_text=True)
    assert "サーバー 1" in html and "過去 90 日間の稼働率" in html
