"""Issue 15, "Done when": a provider registers a second server from the UI, sets how the panel
reaches it, pastes the line the panel shows into the host's authorized_keys, tests the connection
(sees the host key's fingerprint, confirms it), assigns the server to a reseller, and that
reseller's new customer's site is written, validated (nginx -t there) and served by nginx on that
host. Then what goes wrong: a refused key and an address where nothing answers, each beside its
setting with nothing saved, and retiring the server refused while the customer is on it."""
from __future__ import annotations

import contextlib
import html as htmllib
import re

from sqlalchemy import select

from tenants.models import Customer, Domain, Server
from tenants.servers.ssh_keys import fingerprint
from tenants.tenancy import Scope
from tests.conftest import DEMO_PASSWORDS
from tests.fleet.conftest import update_config
from tests.fleet.hosts import TwoHosts
from tests.fleet.test_two_hosts import fetch, serve
from tests.hosting.helpers import UID_MIN, USER_PREFIX, remove_system_users, run_jobs
from tests.reseller.helpers import customer_form
from tests.support import login, scoped_session
from tests.workers.drivers.local_helpers import PASSWORD, need_tool

SERVER = {"role": "all-in-one", "kind": "oem", "driver": "ssh", "monitor_interval_minutes": "10",
          "auto_remediation": "y", "status": "active", "notes": ""}


class Cleanup:
    def close(self) -> None:
        remove_system_users()


def connection_form(host) -> dict:
    return {"ssh_port": "22", "ssh_user": "root", "config_dir": str(host.root / "cfg"),
            "homes_root": str(host.root / "homes"), "mail_root": str(host.root / "vmail"),
            "mail_log": str(host.root / "log" / "mail.log"), "reload_web": "", "reload_mail": "", "reload_ftp": "",
            "reload_dns": "", "mariadb_user": "root", "mariadb_password": "", "postgresql_user": "postgres",
            "postgresql_password": ""}


def register_from_ui(app, as_provider, host, hostname: str) -> int:
    r = as_provider.post("/admin/servers/new", data=SERVER | {"hostname": hostname, "address": host.address})
    assert r.status_code == 302
    with scoped_session(app, Scope.system()) as s:
        sid = s.scalar(select(Server.id).where(Server.hostname == hostname))
    assert r.headers["Location"].endswith(f"/admin/servers/{sid}/connection")
    assert as_provider.post(f"/admin/servers/{sid}/connection", data=connection_form(host)).status_code == 302
    assert as_provider.post(f"/admin/servers/{sid}/key", data={"ssh_private_key": ""}).status_code == 302
    update_config(app, sid, system_user_prefix=USER_PREFIX, uid_min=UID_MIN + 15000,  # removed after the test
                  uid_max=UID_MIN + 19999)
    return sid


def shown_line(page: str) -> str:
    return htmllib.unescape(re.search(r'id="authorized-line">([^<]+)<', page).group(1))


def row(app, sid) -> Server:
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, sid)
        s.expunge(server)
        return server


def pin_from_the_test_page(as_provider, sid, host) -> None:
    r = as_provider.post(f"/admin/servers/{sid}/test")
    page = r.get_data(as_text=True)
    shown = re.search(r'id="fingerprint">([^<]+)<', page).group(1)
    assert shown == fingerprint(host.host_key)  # what the host's own console would print
    assert 'id="host_key-error"' in page and "/pin" in page
    seen = htmllib.unescape(re.search(r'name="host_key" type="hidden" value="([^"]+)"', page).group(1))
    assert as_provider.post(f"/admin/servers/{sid}/pin", data={"host_key": seen}).status_code == 302


def test_a_provider_adds_a_server_from_the_ui_and_a_new_customers_site_is_served_there(app, world, as_provider):
    need_tool("nginx")
    with TwoHosts() as hosts, contextlib.closing(Cleanup()):
        host = hosts["a"]
        app.config["SETTINGS"].ssh_from_address = hosts.panel_address
        try:
            sid = register_from_ui(app, as_provider, host, f"web02-{hosts.tag}.fleet.example")
            page = as_provider.get(f"/admin/servers/{sid}/connection").get_data(as_text=True)
        finally:
            app.config["SETTINGS"].ssh_from_address = ""
        line = shown_line(page)
        assert line.startswith(f'from="{hosts.panel_address}",') and line.endswith(f"panel@web02-{hosts.tag}.fleet.example")
        (host.ssh_dir / "authorized_keys").write_text(line + "\n")  # what the provider pastes on the host

        # test connection: the fingerprint is shown, nothing is pinned until the provider confirms it
        pin_from_the_test_page(as_provider, sid, host)
        assert row(app, sid).host_key_fingerprint == fingerprint(host.host_key)
        page = as_provider.post(f"/admin/servers/{sid}/test").get_data(as_text=True)
        assert 'id="test-ok"' in page and "Debian" in re.search(r'id="os">([^<]+)<', page).group(1)
        present = re.search(r'id="present">([^<]*)<', page).group(1)
        assert {"nginx", "postfix", "named-checkzone", "pure-ftpd"} <= set(present.split(", "))

        # assigned to reseller acme, whose new customer is placed on it
        assert as_provider.post(f"/admin/servers/{sid}/edit", data=SERVER | {
            "hostname": f"web02-{hosts.tag}.fleet.example", "address": host.address,
            "resellers": [str(world.acme)]}).status_code == 302
        # where nginx listens inside the namespace and as whom it runs there (not settings of the screens)
        update_config(app, sid, http_listen=[f"{host.address}:8080"], nginx_user="root")
        operator = app.test_client()
        login(operator, "reseller", "acme-op", DEMO_PASSWORDS["acme-op"])
        r = operator.post("/panel/customers/new", data=customer_form(
            world, login_id="yamada", password=PASSWORD, contractor_name="山田 花子", customer_number="C-0200",
            course_id=world.acme_course, server_id=sid))
        assert r.status_code == 200, r.get_data(as_text=True)[:2000]
        end_user = app.test_client()
        login(end_user, "enduser", "yamada", PASSWORD, code="acme")
        assert end_user.post("/u/acme/domains", data={"name": "yamada.example.jp"}).status_code == 302
        run_jobs(app)
        with scoped_session(app, Scope.system()) as s:
            customer = s.execute(select(Customer).where(Customer.customer_number == "C-0200")).scalar_one()
            assert customer.server_id == sid
            assert s.execute(select(Domain.state).where(Domain.customer_id == customer.id)).scalar_one() == "applied"
            customer_id = customer.id

        cfg = host.root / "cfg"
        assert (cfg / "sites" / "yamada.example.jp.conf").is_file()
        checked = host.exec("nginx", "-t", "-c", str(cfg / "nginx.conf"), "-p", f"{cfg}/")
        assert checked.returncode == 0, checked.stderr
        other = hosts["b"].root / "cfg"
        assert not (other / "sites" / "yamada.example.jp.conf").exists()
        home = host.root / "homes" / str(customer_id) / "public_html" / "yamada.example.jp"
        (home / "index.html").write_text("yamada on web02\n")
        nginx = serve(host, cfg)
        try:
            assert fetch(host.address, 8080, "yamada.example.jp", "/index.html") == (200, "yamada on web02\n")
        finally:
            nginx.terminate()
            nginx.wait(10)

        # retiring the server is refused while yamada is on it, and names her
        page = as_provider.post(f"/admin/servers/{sid}/retire", follow_redirects=True).get_data(as_text=True)
        assert "山田 花子" in page and row(app, sid).status == "active"


def test_a_refused_key_and_an_address_where_nothing_answers_are_shown_beside_them(app, as_provider):
    with TwoHosts() as hosts:
        host = hosts["b"]
        sid = register_from_ui(app, as_provider, host, f"web03-{hosts.tag}.fleet.example")
        pin_from_the_test_page(as_provider, sid, host)
        # the key's line was never pasted on the host: the server refuses it
        before = row(app, sid)
        r = as_provider.post(f"/admin/servers/{sid}/test")
        assert r.status_code == 400
        page = r.get_data(as_text=True)
        assert "パネルの鍵を受け付けません" in page.split('id="ssh_key-error"', 1)[1].split("</p>", 1)[0]
        assert 'id="test-ok"' not in page
        after = row(app, sid)
        assert (after.host_key, after.driver_config_secret, after.ssh_public_key) == \
            (before.host_key, before.driver_config_secret, before.ssh_public_key)

        # an address on the hosts' network where no host is
        nobody = str(hosts.net.network_address + 9)
        hostname = f"web04-{hosts.tag}.fleet.example"
        sid = register_from_ui(app, as_provider, host, hostname)
        assert as_provider.post(f"/admin/servers/{sid}/edit", data=SERVER | {
            "hostname": hostname, "address": nobody}).status_code == 302
        r = as_provider.post(f"/admin/servers/{sid}/test")
        assert r.status_code == 400
        page = r.get_data(as_text=True)
        assert "応答がありません" in page.split('id="address-error"', 1)[1].split("</p>", 1)[0]
        assert row(app, sid).host_key is None
