"""A new domain's zone works on day one: the provider edits the server's zone template (a bad one is
refused beside the field, nothing saved), an end user adds a domain and the zone on the server —
checked by the real named-checkzone — has A/AAAA at the apex and www, MX and SPF; the end user can
then change the records on the DNS screen."""
from __future__ import annotations

import re
import subprocess

from sqlalchemy import select

from tenants.models import DnsRecord, Domain, Server
from tenants.tenancy import Scope
from tests.hosting.helpers import run_jobs
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import need_tool


def server_form(app, server_id, **changes) -> dict:
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, server_id)
        data = {"hostname": server.hostname, "address": server.address, "role": server.role, "kind": server.kind,
                "driver": server.driver, "monitor_interval_minutes": str(server.monitor_interval_minutes),
                "status": server.status, "notes": server.notes or ""}
        data["resellers"] = [str(a.reseller_id) for a in server.assignments]
    return data | changes


def template_of(app, server_id):
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, server_id)
        return server.zone_template, server.ipv6_address, server.mail_host


def test_a_bad_template_is_refused_beside_the_field_and_nothing_is_saved(app, world, as_provider):
    as_provider.get("/lang/en")
    before = template_of(app, world.server)
    page = as_provider.get(f"/admin/servers/{world.server}/edit").get_data(as_text=True)
    assert "@ TXT &#34;v=spf1 mx a ~all&#34;" in page or '@ TXT "v=spf1 mx a ~all"' in page  # the default shown
    for template, message in (("@ A {ipv4}\nwww A {address}", "Line 2: unknown placeholder {address}"),
                              ("@ A {ipv4}\n\nwww", "Line 3: Write each record as: name TYPE value."),
                              ("@ MX 10", "Line 1: Enter an MX record as: preference host"),
                              ("@ A {ipv6}", "Line 1: Enter an IPv4 address"),
                              ("@ A {ipv4}\nwww CNAME @\nwww A {ipv4}", "The records do not fit together")):
        r = as_provider.post(f"/admin/servers/{world.server}/edit",
                             data=server_form(app, world.server, zone_template=template, mail_host="mx.example.net"))
        assert r.status_code == 400, template
        html = r.get_data(as_text=True)
        assert re.search(r'<p class="error" role="alert">[^<]*' + re.escape(message), html), (template, message)
    r = as_provider.post(f"/admin/servers/{world.server}/edit",
                         data=server_form(app, world.server, ipv6_address="not-v6", mail_host="bad host!"))
    assert r.status_code == 400
    assert "Enter an IPv6 address such as 2001:db8::10." in r.get_data(as_text=True)
    assert template_of(app, world.server) == before


def test_a_new_domain_gets_a_working_zone_from_the_servers_template(app, world, as_provider, as_taro, local_server):
    checkzone = need_tool("named-checkzone")
    template = ('@ A {ipv4}\n@ AAAA {ipv6}\nwww A {ipv4}\nwww AAAA {ipv6}\n@ MX 10 {mail_host}.\n'
                '@ TXT "v=spf1 a mx ip4:{ipv4} ip6:{ipv6} ~all"\n')
    r = as_provider.post(f"/admin/servers/{world.server}/edit",
                         data=server_form(app, world.server, address="192.0.2.10", ipv6_address="2001:DB8::10",
                                          mail_host="mx.example.net", zone_template=template))
    assert r.status_code == 302
    assert template_of(app, world.server) == (template, "2001:db8::10", "mx.example.net")

    assert as_taro.post("/u/demo/domains", data={"name": "dayone.example.jp"}).status_code == 302
    run_jobs(app)
    zone = local_server / "cfg" / "dns" / "dayone.example.jp.zone"
    text = zone.read_text()
    for line in ("@ 3600 IN A 192.0.2.10", "@ 3600 IN AAAA 2001:db8::10", "www 3600 IN A 192.0.2.10",
                 "www 3600 IN AAAA 2001:db8::10", "@ 3600 IN MX 10 mx.example.net.",
                 '@ 3600 IN TXT "v=spf1 a mx ip4:192.0.2.10 ip6:2001:db8::10 ~all"'):
        assert line in text, (line, text)
    done = subprocess.run([checkzone, "-k", "fail", "-i", "local", "dayone.example.jp", str(zone)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    with scoped_session(app, Scope.system()) as s:
        domain = s.scalar(select(Domain).where(Domain.name == "dayone.example.jp"))
        rows = {(r.name, r.type): (r.id, r.state) for r in s.scalars(select(DnsRecord).where(
            DnsRecord.domain_id == domain.id))}
        domain_id = domain.id
    assert len(rows) == 6 and {state for _id, state in rows.values()} == {"applied"}

    # the end user changes them: the SPF record replaced, www's AAAA removed
    page = as_taro.get(f"/u/demo/domains/{domain_id}/dns").get_data(as_text=True)
    assert "v=spf1 a mx ip4:192.0.2.10" in page
    assert as_taro.post(f"/u/demo/dns/{rows[('@', 'TXT')][0]}/delete").status_code == 302
    assert as_taro.post(f"/u/demo/dns/{rows[('www', 'AAAA')][0]}/delete").status_code == 302
    assert as_taro.post(f"/u/demo/domains/{domain_id}/dns",
                        data={"type": "TXT", "name": "@", "value": "v=spf1 mx -all"}).status_code == 302
    run_jobs(app)
    text = zone.read_text()
    assert '"v=spf1 mx -all"' in text and "ip4:192.0.2.10" not in text and "www 3600 IN AAAA" not in text
    assert subprocess.run([checkzone, "dayone.example.jp", str(zone)], capture_output=True).returncode == 0
