"""Two real remote hosts over SSH: each customer's site, mailbox, database and zone land on its own
host, validated there by the real tools; a refused change on A restores A byte for byte and
leaves B alone; another host key is refused; a host whose link is down fails the change with the
reason, and Retry applies it once the link is back."""
from __future__ import annotations

import http.client
import re
import secrets
import subprocess
import time

import psycopg
import pymysql
from sqlalchemy import select

from tenants.models import Database, DnsRecord, Domain, MailAccount, Server
from tenants.tenancy import Scope
from tests.fleet.conftest import update_config
from tests.hosting.helpers import MARIADB, POSTGRES, run_jobs
from tests.hosting.test_provisioning import set_up_everything, states
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import PASSWORD, tree
from workers.drivers.host.driver import LocalDriver

HOSTED = {"Domain", "MailAccount", "MailingList", "FtpAccount", "DnsRecord", "ProtectedDirectory"}


def reload_marker(host) -> list[str]:
    """A reload command that writes which network namespace it ran in (the host it ran on)."""
    return ["sh", "-c", 'ip netns identify $$ > "$1"', "sh", str(host.root / "reloaded-in")]


def fetch(address: str, port: int, host: str, path: str = "/"):
    conn = http.client.HTTPConnection(address, port, timeout=5)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        conn.close()


def serve(host, cfg):
    """nginx inside the host, with the configuration the panel wrote there."""
    proc = subprocess.Popen(["ip", "netns", "exec", host.netns, "nginx", "-c", str(cfg / "nginx.conf"),
                             "-p", f"{cfg}/", "-g", "daemon off;"], stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            fetch(host.address, 8080, "probe.invalid")
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"nginx on {host.label} did not start: {proc.stderr.read()}")


def add_database(client, code: str, engine: str = "mariadb") -> tuple[str, str]:
    short = f"db{secrets.token_hex(3)}"
    page = client.post(f"/u/{code}/databases", data={"engine": engine, "name": short, "user": ""})
    password = re.search(r'id="issued-password">([^<]+)<', page.get_data(as_text=True)).group(1)
    return short, password


def drop_databases(app, customer_ids):
    with scoped_session(app, Scope.system()) as s:
        rows = s.execute(select(Database).where(Database.customer_id.in_(customer_ids))).scalars().all()
    driver = LocalDriver("/nonexistent-unused", db_admin={"mariadb": MARIADB, "postgresql": POSTGRES})
    from workers.drivers.host.spec import DatabaseSpec

    for row in rows:
        driver.drop_database(DatabaseSpec(row.engine, row.name, row.db_user))


def test_each_customer_lands_on_its_own_host_validated_and_served_there(app, world, fleet, as_taro, as_hanako):
    a, b = fleet.a, fleet.b
    for server, host in ((fleet.server_a, a), (fleet.server_b, b)):
        update_config(app, server, http_listen=[f"{host.address}:8080"], nginx_user="root",
                      tools={"reload-web": reload_marker(host)})
    set_up_everything(as_taro, "demo", "shop.example.jp", "taroweb")
    set_up_everything(as_hanako, "acme", "hana.example.jp", "hanaweb")
    taro_db, taro_password = add_database(as_taro, "demo")
    hana_db, hana_password = add_database(as_hanako, "acme", "postgresql")
    try:
        run_jobs(app)
        assert {state for _m, state in states(app, world.demo_customer)} == {"applied"}
        assert {state for _m, state in states(app, world.acme_customer)} == {"applied"}
        for host, mine, other in ((a, "shop.example.jp", "hana.example.jp"), (b, "hana.example.jp", "shop.example.jp")):
            cfg = host.root / "cfg"
            assert (cfg / "sites" / f"{mine}.conf").is_file() and not (cfg / "sites" / f"{other}.conf").exists()
            assert (cfg / "dns" / f"{mine}.zone").is_file() and not (cfg / "dns" / f"{other}.zone").exists()
            assert f"info@{mine}" in (cfg / "postfix" / "virtual_mailboxes").read_text()
            assert f"info@{other}" not in (cfg / "postfix" / "virtual_mailboxes").read_text()
            assert (cfg / "postfix" / "virtual_mailboxes.db").is_file() and (cfg / "ftp" / "pureftpd.pdb").is_file()
            # the tools ran on that host: its reload command says which network namespace it ran in
            assert (host.root / "reloaded-in").read_text().strip() == host.netns
            checked = host.exec("named-checkzone", mine, str(cfg / "dns" / f"{mine}.zone"))
            assert checked.returncode == 0, checked.stdout
        # the database exists on the host's MariaDB, with the issued password
        with scoped_session(app, Scope.system()) as s:
            name = s.execute(select(Database.name).where(Database.customer_id == world.demo_customer)).scalar_one()
        assert name.endswith(taro_db)
        pymysql.connect(host=MARIADB["host"], port=MARIADB["port"], user=name, password=taro_password,
                        database=name, connect_timeout=5).close()
        with scoped_session(app, Scope.system()) as s:  # and hanako's on host B's PostgreSQL (psql run on B)
            row = s.execute(select(Database).where(Database.customer_id == world.acme_customer)).scalar_one()
        assert row.engine == "postgresql" and row.name.endswith(hana_db) and row.state == "applied"
        psycopg.connect(host=POSTGRES["host"], port=POSTGRES["port"], user=row.db_user, password=hana_password,
                        dbname=row.name, connect_timeout=5).close()
        # and the site is served by nginx on host A
        home = a.root / "homes" / str(world.demo_customer) / "public_html" / "shop.example.jp"
        (home / "index.html").write_text("served from A\n")
        nginx = serve(a, a.root / "cfg")
        try:
            assert fetch(a.address, 8080, "shop.example.jp", "/index.html") == (200, "served from A\n")
        finally:
            nginx.terminate()  # nginx's fast shutdown ends its workers too
            nginx.wait(10)
    finally:
        drop_databases(app, [world.demo_customer, world.acme_customer])


def test_a_change_refused_on_a_restores_a_byte_for_byte_and_leaves_b_alone(app, world, fleet, as_taro, as_hanako):
    assert as_taro.post("/u/demo/domains", data={"name": "first.example.jp"}).status_code == 302
    assert as_hanako.post("/u/acme/domains", data={"name": "bee.example.jp"}).status_code == 302
    run_jobs(app)
    cfg_a, cfg_b = fleet.a.root / "cfg", fleet.b.root / "cfg"
    before_a, before_b = tree(cfg_a), tree(cfg_b)
    # the master file now names a user nginx -t refuses on A: no single site's fault
    update_config(app, fleet.server_a, nginx_user="nosuchuser9")
    assert as_taro.post("/u/demo/domains", data={"name": "second.example.jp"}).status_code == 302
    assert as_hanako.post("/u/acme/domains", data={"name": "bee2.example.jp"}).status_code == 302
    run_jobs(app)
    with scoped_session(app, Scope.system()) as s:
        second = s.execute(select(Domain).where(Domain.name == "second.example.jp")).scalar_one()
        bee2 = s.execute(select(Domain).where(Domain.name == "bee2.example.jp")).scalar_one()
        assert second.state == "failed" and "nosuchuser9" in second.state_detail
        assert bee2.state == "applied"
    after_a = tree(cfg_a)
    assert {k: v for k, v in after_a.items() if not k.startswith("dns/")} == \
        {k: v for k, v in before_a.items() if not k.startswith("dns/")}  # every web file as it was
    assert not (cfg_a / "sites" / "second.example.jp.conf").exists()
    assert (cfg_b / "sites" / "bee2.example.jp.conf").is_file()
    assert {k: v for k, v in tree(cfg_b).items() if k.startswith("sites/bee.")} == \
        {k: v for k, v in before_b.items() if k.startswith("sites/bee.")}


def test_a_host_answering_with_another_host_key_is_refused(app, world, fleet, as_taro):
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, fleet.server_a)
        server.host_key = fleet.b.host_key  # as if someone else answered at A's address
        s.commit()
    assert as_taro.post("/u/demo/domains", data={"name": "pinned.example.jp"}).status_code == 302
    run_jobs(app)
    with scoped_session(app, Scope.system()) as s:
        row = s.execute(select(Domain).where(Domain.name == "pinned.example.jp")).scalar_one()
        assert row.state == "failed"
        assert "host key" in row.state_detail and "not the pinned" in row.state_detail
    assert not (fleet.a.root / "cfg" / "sites").exists()  # nothing was sent


def test_a_host_whose_link_is_down_fails_the_change_and_retry_applies_it(app, world, fleet, as_taro):
    as_taro.get("/lang/en")
    fleet.a.link(False)
    try:
        assert as_taro.post("/u/demo/domains", data={"name": "later.example.jp"}).status_code == 302
        page = as_taro.get("/u/demo/mail").get_data(as_text=True)
        domain_id = page.split('<option value="')[1].split('"')[0]
        assert as_taro.post("/u/demo/mail", data={"domain_id": domain_id, "local_part": "info", "password": PASSWORD,
                                                  "quota_mb": "100"}).status_code == 302
        run_jobs(app)
    finally:
        fleet.a.link(True)
    with scoped_session(app, Scope.system()) as s:
        domain = s.get(Domain, int(domain_id))
        mailbox = s.execute(select(MailAccount)).scalar_one()
        for row in (domain, mailbox):
            assert row.state == "failed" and "could not connect" in row.state_detail
        records = s.execute(select(DnsRecord.id).where(DnsRecord.domain_id == domain.id)).all()
    assert not (fleet.a.root / "cfg" / "sites").exists()
    # the link is back: Retry (as the end user presses it) applies everything that was kept
    assert as_taro.post(f"/u/demo/domains/{domain_id}/retry").status_code == 302
    assert as_taro.post(f"/u/demo/mail/{mailbox.id}/retry").status_code == 302
    run_jobs(app)
    with scoped_session(app, Scope.system()) as s:
        assert s.get(Domain, int(domain_id)).state == "applied"
        assert s.get(MailAccount, mailbox.id).state == "applied"
        assert len(s.execute(select(DnsRecord.id).where(DnsRecord.domain_id == int(domain_id))).all()) == len(records)
    assert (fleet.a.root / "cfg" / "sites" / "later.example.jp.conf").is_file()
    assert "info@later.example.jp" in (fleet.a.root / "cfg" / "postfix" / "virtual_mailboxes").read_text()


def test_test_connection_reports_host_key_os_and_tools_before_anything_is_applied(app, world, fleet):
    from workers.drivers.survey import test_connection

    box = app.extensions["panel.box"]
    keygen = subprocess.run(["ssh-keygen", "-l", "-f", str(fleet.a.ssh_dir / "ssh_host_ed25519_key")],
                            capture_output=True, text=True, check=True).stdout.split()[1]
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, fleet.server_a)
        report = test_connection(server, box)
        assert report["ok"] and report["host_key_matches"] and report["error"] is None
        assert report["fingerprint"] == server.host_key_fingerprint == keygen  # as ssh-keygen -l shows it
        assert report["os"].startswith("Debian")
        assert {"nginx", "postfix", "named-checkzone", "pure-ftpd", "mariadb", "psql"} <= set(report["present"])
        assert set(report["present"]) | set(report["missing"]) == {"nginx", "postfix", "dovecot", "pure-ftpd",
                                                                   "named-checkzone", "named-checkconf", "mariadb",
                                                                   "psql", "dovecot-sieve"}
        server.host_key, server.host_key_fingerprint = fleet.b.host_key, "SHA256:pinned-before"
        refused = test_connection(server, box)
        assert not refused["ok"] and refused["host_key_matches"] is False and refused["os"] is None
        assert "not the pinned SHA256:pinned-before" in refused["error"]
        server.host_key = server.host_key_fingerprint = None
        unpinned = test_connection(server, box)
        assert not unpinned["ok"] and unpinned["fingerprint"] == keygen and "pin it" in unpinned["error"]
        s.rollback()
    fleet.b.stop_sshd()
    with scoped_session(app, Scope.system()) as s:
        down = test_connection(s.get(Server, fleet.server_b), box)
        assert not down["ok"] and "could not connect" in down["error"]


def test_a_folder_is_copied_from_one_host_to_another_as_it_is(app, world, fleet, tmp_path):
    """What moving a customer needs: a home copied between servers, contents, modes and links kept."""
    import os

    from workers.drivers import driver_for
    from workers.drivers.host import metrics
    from workers.drivers.transport.copy import copy_tree
    from workers.drivers.transport.local import LocalTransport

    source = fleet.a.root / "homes" / "7"
    (source / "public_html" / "deep").mkdir(parents=True)
    (source / "public_html" / "index.html").write_text("moved with me\n")
    (source / "public_html" / "deep" / "data.bin").write_bytes(os.urandom(300_000))
    (source / "secret.txt").write_text("only me\n")
    (source / "secret.txt").chmod(0o600)
    (source / "public_html" / "link").symlink_to("index.html")
    target = fleet.b.root / "homes" / "7"
    with scoped_session(app, Scope.system()) as s:
        with driver_for(s.get(Server, fleet.server_a)) as a, driver_for(s.get(Server, fleet.server_b)) as b:
            copy_tree(a.host, str(source), b.host, str(target))
            assert a.host.connections == 1 and b.host.connections == 1  # one connection per server
            before = metrics.directory_usage(source, host=a.host)
            after = metrics.directory_usage(target, host=b.host)
            copy_tree(LocalTransport(), str(source), b.host, str(tmp_path / "again"))  # from this machine too
    assert (before.files, before.apparent_bytes) == (after.files, after.apparent_bytes)
    for rel in ("public_html/index.html", "public_html/deep/data.bin", "secret.txt"):
        assert (target / rel).read_bytes() == (source / rel).read_bytes()
        assert (target / rel).stat().st_mode == (source / rel).stat().st_mode
    assert os.readlink(target / "public_html" / "link") == "index.html"
    assert (tmp_path / "again" / "secret.txt").read_text() == "only me\n"
