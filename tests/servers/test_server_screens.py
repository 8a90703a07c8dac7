"""The provider's server screens: connection settings checked field by field (nothing saved while one
is wrong), secrets write-only, the panel's key generated or uploaded and its authorized_keys line
shown, "Test connection" failing beside the setting it is about, an unknown power driver refused,
and a server retired only once no customer is on it."""
from __future__ import annotations

import re

from sqlalchemy import select

from tenants.models import AuditLog, Customer, Server, ServerAssignment
from tenants.servers.power_models import ServerPower
from tenants.servers.rules import open_driver_config
from tenants.servers.ssh_keys import generate_key_pair
from tenants.tenancy import Scope
from tests.support import scoped_session

GOOD = {"ssh_port": "2222", "ssh_user": "root", "config_dir": "/etc/panel", "homes_root": "/srv/homes",
        "mail_root": "/var/vmail", "mail_log": "/var/log/mail.log", "reload_web": "systemctl reload nginx",
        "reload_mail": "", "reload_ftp": "", "reload_dns": "", "mariadb_user": "root",
        "mariadb_password": "Db-Admin-Secret-1", "postgresql_user": "postgres", "postgresql_password": ""}
SERVER = {"hostname": "web09.example.jp", "role": "all-in-one", "kind": "oem", "driver": "ssh",
          "monitor_interval_minutes": "10", "auto_remediation": "y", "status": "active", "notes": ""}


def sealed(app, server_id):
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, server_id)
        return (server.ssh_port, server.ssh_user, server.driver_config_secret, server.host_key,
                server.ssh_public_key, server.status)


def register(as_provider, app, address="192.0.2.9", **changes) -> int:
    r = as_provider.post("/admin/servers/new", data=SERVER | {"address": address} | changes)
    assert r.status_code == 302 and "/connection" in r.headers["Location"]
    with scoped_session(app, Scope.system()) as s:
        return s.scalar(select(Server.id).where(Server.hostname == (changes.get("hostname") or SERVER["hostname"])))


def error_beside(html: str, field: str) -> str:
    """The message shown in the field's own block (macros.field: the input, then its errors)."""
    block = html.split(f'id="{field}"', 1)[1].split('class="field', 1)[0]
    found = re.search(r'<p class="error" role="alert">([^<]+)</p>', block)
    assert found, f"no message beside {field}"
    return found.group(1)


def test_bad_port_and_a_path_with_dots_are_refused_beside_their_fields(app, as_provider):
    sid = register(as_provider, app)
    before = sealed(app, sid)
    r = as_provider.post(f"/admin/servers/{sid}/connection",
                         data=GOOD | {"ssh_port": "twenty-two", "config_dir": "/etc/panel/../shadow"})
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "1〜65535" in error_beside(html, "ssh_port")
    assert "「..」" in error_beside(html, "config_dir")
    assert "Db-Admin-Secret-1" not in html  # not even sent back as typed
    assert sealed(app, sid) == before


def test_settings_are_saved_and_passwords_are_write_only(app, as_provider):
    sid = register(as_provider, app)
    assert as_provider.post(f"/admin/servers/{sid}/connection", data=GOOD).status_code == 302
    html = as_provider.get(f"/admin/servers/{sid}/connection").get_data(as_text=True)
    assert 'value="/etc/panel"' in html and 'value="systemctl reload nginx"' in html and 'value="2222"' in html
    assert "Db-Admin-Secret-1" not in html and 'id="mariadb-password-stored"' in html
    assert 'id="postgresql-password-stored"' not in html
    # an empty password keeps the stored one
    assert as_provider.post(f"/admin/servers/{sid}/connection",
                            data=GOOD | {"mariadb_password": "", "ssh_port": "22"}).status_code == 302
    box = app.extensions["panel.box"]
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, sid)
        config = open_driver_config(box, server)
        assert server.ssh_port == 22 and config["db_admin"]["mariadb"]["password"] == "Db-Admin-Secret-1"
        assert "Db-Admin-Secret-1" not in server.driver_config_secret
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "server.connection")) is not None


def test_a_generated_key_shows_its_authorized_keys_line_and_never_the_private_key(app, as_provider):
    sid = register(as_provider, app)
    assert 'id="no-key"' in as_provider.get(f"/admin/servers/{sid}/connection").get_data(as_text=True)
    app.config["SETTINGS"].ssh_from_address = "198.51.100.5"
    try:
        assert as_provider.post(f"/admin/servers/{sid}/key", data={"ssh_private_key": ""}).status_code == 302
        html = as_provider.get(f"/admin/servers/{sid}/connection").get_data(as_text=True)
    finally:
        app.config["SETTINGS"].ssh_from_address = ""
    line = re.search(r'id="authorized-line">([^<]+)<', html).group(1).replace("&#34;", '"')
    assert line.startswith('from="198.51.100.5",no-agent-forwarding,no-port-forwarding,no-X11-forwarding ssh-ed25519 ')
    box = app.extensions["panel.box"]
    with scoped_session(app, Scope.system()) as s:
        private = open_driver_config(box, s.get(Server, sid))["ssh_private_key"]
    assert private.strip().splitlines()[1] not in html
    # an uploaded key replaces it; its private part is never sent back
    mine, public = generate_key_pair()
    assert as_provider.post(f"/admin/servers/{sid}/key", data={"ssh_private_key": mine}).status_code == 302
    html = as_provider.get(f"/admin/servers/{sid}/connection").get_data(as_text=True)
    assert public.split()[1] in html and mine.strip().splitlines()[1] not in html
    # a key that is not one: beside the field, nothing changes
    before = sealed(app, sid)
    r = as_provider.post(f"/admin/servers/{sid}/key", data={"ssh_private_key": "-----BEGIN NONSENSE-----\nxx"})
    assert r.status_code == 400 and "秘密鍵" in error_beside(r.get_data(as_text=True), "ssh_private_key")
    assert sealed(app, sid) == before


def test_test_connection_to_an_address_where_nothing_answers_says_so_beside_it(app, as_provider, closed_port):
    sid = register(as_provider, app, address="127.0.0.1")
    assert as_provider.post(f"/admin/servers/{sid}/connection",
                            data=GOOD | {"ssh_port": str(closed_port.port)}).status_code == 302
    before = sealed(app, sid)
    r = as_provider.post(f"/admin/servers/{sid}/test")
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "応答がありません" in html.split('id="address-error"', 1)[1].split("</p>", 1)[0]
    assert 'id="fingerprint"' not in html and 'id="test-failed"' in html
    assert sealed(app, sid) == before


def test_test_connection_of_the_local_server_lists_the_os_and_the_tools(app, as_provider, world):
    html = as_provider.post(f"/admin/servers/{world.server}/test").get_data(as_text=True)
    assert 'id="test-ok"' in html
    assert re.search(r'id="os">[^<]+<', html)
    present = re.search(r'id="present">([^<]*)<', html).group(1)
    missing = re.search(r'id="missing">([^<]*)<', html).group(1)
    shown = {t.strip() for t in (present + "," + missing).split(",") if t.strip() and t.strip() != "—"}
    assert {"nginx", "postfix", "dovecot", "pure-ftpd", "named-checkzone", "mariadb", "psql"} <= shown


def test_an_unknown_power_driver_is_refused_beside_the_field(app, as_provider, world):
    with scoped_session(app, Scope.system()) as s:
        before = s.execute(select(ServerPower).where(ServerPower.server_id == world.server)).scalar_one_or_none()
        before = None if before is None else before.power_driver
    r = as_provider.post(f"/admin/servers/{world.server}/power", data={"power_driver": "telnet-pdu"})
    assert r.status_code == 400
    assert error_beside(r.get_data(as_text=True), "power_driver")
    with scoped_session(app, Scope.system()) as s:
        now = s.execute(select(ServerPower).where(ServerPower.server_id == world.server)).scalar_one_or_none()
        assert (None if now is None else now.power_driver) == before


def test_a_server_is_retired_only_once_no_customer_is_on_it(app, as_provider, world):
    with scoped_session(app, Scope.system()) as s:
        names = sorted(c.contractor_name for c in s.execute(
            select(Customer).where(Customer.server_id == world.server)).scalars())
    assert names
    r = as_provider.post(f"/admin/servers/{world.server}/retire", follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "顧客がいます" in html and all(name in html for name in names)
    assert sealed(app, world.server)[-1] == "active"
    # the same through the edit form's status
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, world.server)
        data = {"hostname": server.hostname, "address": server.address, "role": server.role, "kind": server.kind,
                "driver": server.driver, "monitor_interval_minutes": "10", "status": "retired", "notes": ""}
    r = as_provider.post(f"/admin/servers/{world.server}/edit", data=data)
    assert r.status_code == 400 and names[0] in error_beside(r.get_data(as_text=True), "status")
    assert sealed(app, world.server)[-1] == "active"
    # a server nobody is on is retired and withdrawn from its resellers
    sid = register(as_provider, app, resellers=[str(world.acme)])
    assert as_provider.post(f"/admin/servers/{sid}/retire").status_code == 302
    assert sealed(app, sid)[-1] == "retired"
    with scoped_session(app, Scope.system()) as s:
        assert s.execute(select(ServerAssignment).where(ServerAssignment.server_id == sid)).first() is None


HOSTING = {"web_group": "nginx", "system_user_prefix": "cu", "uid_min": "30000", "uid_max": "39999",
           "php_fpm_dir": "/opt/php/sbin", "php_socket_dir": "/run/php-panel", "cron_file": "/etc/cron.d/customers",
           "dkim_group": "dkim", "dkim_trusted_hosts": "192.0.2.0/24 2001:db8::1",
           "reload_dkim": "systemctl reload opendkim", "sshd_dropin": "/etc/ssh/sshd_config.d/panel.conf",
           "ssh_keys_dir": "/etc/ssh/panel-keys", "sftp_group": "sftponly", "ssh_group": "shellusers",
           "reload_ssh": "systemctl reload ssh", "kill_ssh": "pkill"}


def test_system_user_php_and_cron_settings_are_checked_saved_and_used_by_the_server_driver(app, as_provider):
    from workers.drivers import driver_for
    from workers.jobs.hosting.wanted_state import site_for

    sid = register(as_provider, app)
    before = sealed(app, sid)
    r = as_provider.post(f"/admin/servers/{sid}/connection",
                         data=GOOD | HOSTING | {"web_group": "www data", "system_user_prefix": "9x",
                                                "uid_min": "999", "php_fpm_dir": "/opt/../sbin",
                                                "dkim_trusted_hosts": "192.0.2.0/24 mail.example.jp",
                                                "sftp_group": "sftp users"})
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    for name in ("web_group", "system_user_prefix", "uid_min", "php_fpm_dir", "dkim_trusted_hosts", "sftp_group"):
        assert error_beside(html, name)
    assert sealed(app, sid) == before
    r = as_provider.post(f"/admin/servers/{sid}/connection", data=GOOD | HOSTING | {"uid_min": "40000"})
    assert r.status_code == 400 and error_beside(r.get_data(as_text=True), "uid_max")
    assert sealed(app, sid) == before

    assert as_provider.post(f"/admin/servers/{sid}/connection", data=GOOD | HOSTING).status_code == 302
    html = as_provider.get(f"/admin/servers/{sid}/connection").get_data(as_text=True)
    assert all(f'value="{value}"' in html for value in HOSTING.values())
    with scoped_session(app, Scope.system()) as s:
        driver = driver_for(s.get(Server, sid))
    site = site_for(driver)
    assert (driver.web_group, driver.php_fpm_dir, driver.php_socket_dir) == ("nginx", "/opt/php/sbin",
                                                                             "/run/php-panel")
    assert driver.dkim_group == "dkim" and driver.tools["reload-dkim"] == ["systemctl", "reload", "opendkim"]
    assert site.extra["dkim_trusted_hosts"] == ["192.0.2.0/24", "2001:db8::1"]
    assert (site.extra["sshd_dropin"], site.extra["ssh_keys_dir"], site.extra["sftp_group"],
            site.extra["ssh_group"]) == ("/etc/ssh/sshd_config.d/panel.conf", "/etc/ssh/panel-keys", "sftponly",
                                         "shellusers")
    assert driver.tools["reload-ssh"] == ["systemctl", "reload", "ssh"] and driver.tools["pkill"] == ["pkill"]
    assert (site.extra["uid_min"], site.extra["uid_max"], site.extra["system_user_prefix"],
            site.extra["cron_file"]) == (30000, 39999, "cu", "/etc/cron.d/customers")
    # emptied fields fall back to the defaults
    assert as_provider.post(f"/admin/servers/{sid}/connection",
                            data=GOOD | {name: "" for name in HOSTING}).status_code == 302
    with scoped_session(app, Scope.system()) as s:
        driver = driver_for(s.get(Server, sid))
    assert driver.web_group == "www-data" and "uid_min" not in site_for(driver).extra
