"""Changes made in the end-user panel reach the real tools: the provisioning jobs apply the whole
wanted state through the local driver (nginx -t, postmap, pure-pw, named-checkzone), record
applied/failed with the driver's message, can be retried, give the same result twice, and a
customer's removal takes everything it owns off the server."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from tenants.hosting import failures
from tenants.models import (
    Customer,
    Database,
    DnsRecord,
    Domain,
    FtpAccount,
    MailAccount,
    MailingList,
    ProtectedDirectory,
    Server,
)
from tenants.servers.rules import seal_driver_config
from tenants.tenancy import Scope
from tests.hosting.helpers import run_jobs, update_server_config
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import PASSWORD, self_signed, tree
from workers.drivers.host.driver import LocalDriver
from workers.jobs.hosting import provisioning

HOSTED = (Domain, MailAccount, MailingList, FtpAccount, DnsRecord, ProtectedDirectory, Database)


def set_up_everything(client, code="demo", domain="shop.example.jp", ftp_name="taroweb"):
    """Through the panel: a domain, a mailbox, a list, an FTP user, a record and a protected folder."""
    assert client.post(f"/u/{code}/domains", data={"name": domain}).status_code == 302
    page = client.get(f"/u/{code}/mail").get_data(as_text=True)
    domain_id = page.split('<option value="')[1].split('"')[0]
    assert client.post(f"/u/{code}/mail", data={"domain_id": domain_id, "local_part": "info", "password": PASSWORD,
                                                "quota_mb": "100", "forwards": "boss@example.org",
                                                "keep_copy": "y"}).status_code == 302
    assert client.post(f"/u/{code}/lists", data={"domain_id": domain_id, "local_part": "team",
                                                 "members": "a@example.org\nb@example.org"}).status_code == 302
    assert client.post(f"/u/{code}/ftp", data={"name": ftp_name, "password": PASSWORD,
                                               "directory": "public_html"}).status_code == 302
    assert client.post(f"/u/{code}/domains/{domain_id}/dns", data={"type": "MX", "name": "@", "priority": "10",
                                                                  "value": "mail"}).status_code == 302
    r = client.post(f"/u/{code}/protected", data={"domain_id": domain_id, "path": "members", "realm": "Members"})
    assert r.status_code == 302
    directory = r.headers["Location"].rstrip("/").split("/")[-1]
    assert client.post(f"/u/{code}/protected/{directory}", data={"name": "guest",
                                                                 "password": PASSWORD}).status_code == 302
    return int(domain_id)


def sources(cfg):
    """The text files the driver writes (postmap's compiled .db files are rebuilt byte-differently)."""
    return {k: v for k, v in tree(cfg).items() if not k.endswith((".db", ".pdb"))}


def states(app, customer_id):
    with scoped_session(app, Scope.system()) as s:
        return {(m.__name__, row.state) for m in HOSTED
                for row in s.execute(select(m).where(m.customer_id == customer_id)).scalars()}


def test_everything_added_in_the_panel_is_applied_by_the_real_tools(app, world, as_taro, local_server):
    set_up_everything(as_taro)
    assert {state for _m, state in states(app, world.demo_customer)} == {"pending"}
    run_jobs(app)
    assert {state for _m, state in states(app, world.demo_customer)} == {"applied"}

    cfg = local_server / "cfg"
    home = local_server / "homes" / str(world.demo_customer)
    site = (cfg / "sites" / "shop.example.jp.conf").read_text()
    assert f'root "{home}/public_html/shop.example.jp";' in site and (home / "public_html/shop.example.jp").is_dir()
    driver = LocalDriver(cfg)
    assert driver.lookup_mail_map("virtual_mailboxes", "info@shop.example.jp") == "shop.example.jp/info/"
    assert driver.lookup_mail_map("virtual_aliases", "info@shop.example.jp") == \
        "info@shop.example.jp, boss@example.org"
    assert driver.lookup_mail_map("virtual_aliases", "team@shop.example.jp") == "a@example.org, b@example.org"
    assert "info@shop.example.jp:{ARGON2ID}$argon2id$" in (cfg / "dovecot" / "users").read_text()
    ftp_line = (cfg / "ftp" / "pureftpd.passwd").read_text()
    assert ftp_line.startswith("taroweb:$2b$12$") and f":{home}/public_html/./:" in ftp_line
    assert (cfg / "ftp" / "pureftpd.pdb").exists()
    zone = (cfg / "dns" / "shop.example.jp.zone").read_text()
    assert "MX" in zone and "10 mail.shop.example.jp." in zone
    htpasswd = next((cfg / "htpasswd").rglob("*.htpasswd")).read_text()
    assert htpasswd.startswith("guest:$2b$")

    page = as_taro.get("/u/demo/domains").get_data(as_text=True)
    assert 'data-state="applied"' in page and 'data-state="pending"' not in page

    # Applying again changes nothing: same files, same states.
    before = sources(cfg)
    with scoped_session(app, Scope.system()) as s:
        server_id = s.get(Customer, world.demo_customer).server_id
    with app.app_context():
        for service in ("web", "mail", "ftp", "dns"):
            assert "failed" not in provisioning.apply_service(server_id, service)
    assert sources(cfg) == before
    assert {state for _m, state in states(app, world.demo_customer)} == {"applied"}


def _set_tools(app, world, **tools):
    update_server_config(app, world.server, tools=tools)


def test_a_failed_apply_shows_the_reason_keeps_the_old_config_and_can_be_retried(app, world, as_taro, local_server):
    as_taro.post("/u/demo/domains", data={"name": "first.example.jp"})
    run_jobs(app)
    cfg = local_server / "cfg"
    before = tree(cfg)
    _set_tools(app, world, nginx=["/bin/false"])  # nginx -t now fails, as with a broken configuration
    as_taro.post("/u/demo/domains", data={"name": "second.example.jp"})
    run_jobs(app)

    page = as_taro.get("/u/demo/domains").get_data(as_text=True)
    assert 'data-state="failed"' in page and "nginx" not in page  # the end user reads a plain reason
    assert {k: v for k, v in tree(cfg).items() if k.startswith("sites")} == \
        {k: v for k, v in before.items() if k.startswith("sites")}
    with scoped_session(app, Scope.system()) as s:
        failed = s.execute(select(Domain).where(Domain.name == "second.example.jp")).scalar_one()
        assert failed.state == "failed" and failed.state_reason == failures.NOT_APPLIED
        assert "nginx -t failed (exit status 1)" in failed.state_detail  # for the provider
        assert "the previous configuration is still in place" in failed.state_detail

    _set_tools(app, world)  # the provider repaired the server
    assert as_taro.post(f"/u/demo/domains/{failed.id}/retry").status_code == 302
    assert 'data-state="pending"' in as_taro.get("/u/demo/domains").get_data(as_text=True)
    run_jobs(app)
    page = as_taro.get("/u/demo/domains").get_data(as_text=True)
    assert 'data-state="failed"' not in page and (cfg / "sites" / "second.example.jp.conf").exists()
    with scoped_session(app, Scope.system()) as s:
        applied = s.get(Domain, failed.id)
        assert (applied.state, applied.state_reason, applied.state_detail) == ("applied", None, None)


def test_deprovisioning_a_customer_removes_everything_it_owns_and_nothing_else(app, world, as_taro, as_hanako,
                                                                              local_server):
    set_up_everything(as_taro)
    set_up_everything(as_hanako, code="acme", domain="hanako.example.jp", ftp_name="hanakoweb")
    run_jobs(app)
    cfg = local_server / "cfg"
    with app.app_context():
        assert "everything removed" in provisioning.deprovision_customer(world.demo_customer)

    assert sorted(p.name for p in (cfg / "sites").glob("*.conf")) == ["hanako.example.jp.conf"]
    assert sorted(p.name for p in (cfg / "dns").glob("*.zone")) == ["hanako.example.jp.zone"]
    driver = LocalDriver(cfg)
    assert driver.lookup_mail_map("virtual_mailboxes", "info@shop.example.jp") is None
    assert driver.lookup_mail_map("virtual_mailboxes", "info@hanako.example.jp") == "hanako.example.jp/info/"
    passwd = (cfg / "ftp" / "pureftpd.passwd").read_text()
    assert "taroweb:" not in passwd and "hanakoweb:" in passwd
    assert len(list((cfg / "htpasswd").rglob("*.htpasswd"))) == 1
    with scoped_session(app, Scope.system()) as s:
        for model in HOSTED:
            assert s.scalar(select(func.count()).select_from(model)
                            .where(model.customer_id == world.demo_customer)) == 0
        assert s.scalar(select(func.count()).select_from(Domain).where(Domain.customer_id == world.acme_customer)) == 1
    with app.app_context():  # running it again is harmless
        assert "everything removed" in provisioning.deprovision_customer(world.demo_customer)
    json.dumps(states(app, world.acme_customer), default=list)
    assert {state for _m, state in states(app, world.acme_customer)} == {"applied"}


def _set_config(app, world, **values):
    update_server_config(app, world.server, **values)


def test_https_needs_the_servers_certificate_and_only_that_domain_fails_without_one(app, world, as_taro,
                                                                                   local_server):
    as_taro.post("/u/demo/domains", data={"name": "secure.example.jp", "https": "y"})
    as_taro.post("/u/demo/domains", data={"name": "plain.example.jp"})
    run_jobs(app)
    cfg = local_server / "cfg"
    with scoped_session(app, Scope.system()) as s:
        rows = {d.name: d for d in s.execute(select(Domain)).scalars()}
    assert rows["plain.example.jp"].state == "applied"
    assert rows["secure.example.jp"].state == "failed" and rows["secure.example.jp"].state_reason == failures.NO_HTTPS
    assert "no certificate configured" in rows["secure.example.jp"].state_detail
    assert "ssl_certificate" not in (cfg / "sites" / "secure.example.jp.conf").read_text()

    cert, key = self_signed(local_server)
    _set_config(app, world, tls_cert_file=cert, tls_key_file=key)
    as_taro.post(f"/u/demo/domains/{rows['secure.example.jp'].id}/retry")
    run_jobs(app)
    with scoped_session(app, Scope.system()) as s:
        assert s.get(Domain, rows["secure.example.jp"].id).state == "applied"
    assert f'ssl_certificate "{cert}";' in (cfg / "sites" / "secure.example.jp.conf").read_text()


def test_settings_sealed_with_an_unknown_key_fail_the_change_with_a_reason(app, world, as_taro, local_server):
    from cryptography.fernet import Fernet

    from tenants.crypto import SecretBox

    with scoped_session(app, Scope.system()) as s:
        seal_driver_config(SecretBox([Fernet.generate_key().decode()]), s.get(Server, world.server),
                           {"config_dir": str(local_server / "cfg")})
        s.commit()
    as_taro.post("/u/demo/domains", data={"name": "locked.example.jp"})
    run_jobs(app)
    with scoped_session(app, Scope.system()) as s:
        domain = s.execute(select(Domain).where(Domain.name == "locked.example.jp")).scalar_one()
        assert domain.state == "failed" and domain.state_reason == failures.NOT_APPLIED
        assert "cannot be opened" in domain.state_detail
    assert not (local_server / "cfg").exists()
