"""issue 20 item 6: a reseller's public status page, /u/<code>/status: no login, its brand, its
servers' state, open incidents, maintenance and 90-day uptime from the recorded checks; no
provider name, no host names, no other reseller's servers."""
from __future__ import annotations

from datetime import timedelta

from tenants.db import utcnow
from tenants.models import MaintenanceWindow, MonitoredEndpoint, Reseller, Server, ServerAssignment
from tests.incidents.helpers import record_cycle, system
from workers.jobs.incidents.cycle import after_cycle


def _server_of_acme_only(app, world) -> int:
    with system(app) as s:
        server = Server(hostname="web77.provider-internal.example", address="127.0.0.77", role="web", driver="ssh")
        s.add(server)
        s.flush()
        s.add(ServerAssignment(server_id=server.id, reseller_id=world.acme))
        s.add(MonitoredEndpoint(server_id=server.id, protocol="http", port=80, host="127.0.0.77"))
        s.commit()
        return server.id


def test_the_status_page_shows_the_resellers_servers_under_its_brand(app, world, client):
    now = utcnow().replace(second=0, microsecond=0)
    acme_only = _server_of_acme_only(app, world)
    with system(app) as s:
        e = MonitoredEndpoint(server_id=world.server, protocol="smtp", port=2525, host="127.0.0.1", failure_threshold=1)
        s.add(e)
        s.add(MaintenanceWindow(server_id=world.server, starts_at=now + timedelta(days=2),
                                ends_at=now + timedelta(days=2, hours=1), note="provider-internal kernel update"))
        s.commit()
        eid = e.id
        demo = s.get(Reseller, world.demo)
        brand, hostname = demo.brand_name, s.get(Server, world.server).hostname
    for minutes in (40, 30, 20):  # three checks answered, then one failed: an open incident
        record_cycle(app, world.server, eid, now - timedelta(minutes=minutes), up=True)
    record_cycle(app, world.server, eid, now - timedelta(minutes=10), up=False)
    after_cycle(world.server, (now - timedelta(minutes=10)).isoformat(), now.isoformat())

    client.get("/lang/en")
    page = client.get(f"/u/{demo.code}/status")
    assert page.status_code == 200  # no login
    html = page.get_data(as_text=True)
    assert brand in html and "smtp:2525" in html and "Outage" in html and "75.000 %" in html
    assert html.count("<tr>") == 2  # the header and demo's one server: acme's own server is not there
    provider = app.config["SETTINGS"].provider_name
    assert provider not in html and hostname not in html and "provider-internal" not in html
    acme = client.get("/u/acme/status").get_data(as_text=True)
    assert acme.count("<tr>") == 3 and "web77" not in acme  # the shared server and its own, by label
    assert acme_only
