"""One bad row does not stop everyone: when the real nginx, named-checkzone or the FTP rules refuse
one tenant's item, the other tenants' changes on the same server are applied; only the rows of the
refused item fail. The end user reads a plain reason; the provider reads the tool's output."""
from __future__ import annotations

import re
import subprocess
import urllib.request
from pathlib import Path

from sqlalchemy import select

from tenants.hosting import failures
from tenants.models import DnsRecord, Domain, FtpAccount
from tenants.tenancy import Scope
from tests.hosting.helpers import no_day_one_records, run_jobs, update_server_config
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import PASSWORD, free_port, need_tool, running, self_signed


def _set_config(app, world, **values):
    update_server_config(app, world.server, **values)


def _rows(app, model, **where):
    with scoped_session(app, Scope.system()) as s:
        rows = s.execute(select(model).filter_by(**where)).scalars().all()
        s.expunge_all()
        return rows


def _domain(app, name) -> Domain:
    return _rows(app, Domain, name=name)[0]


def _shown(app, message: str) -> str:
    """The message as an end user reads it (the panel's default language)."""
    from flask_babel import gettext

    with app.test_request_context():
        return gettext(message)


def _broken_certificate(directory: Path, name: str) -> list[str]:
    cert, key = self_signed(directory, name)
    Path(cert).write_text("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
    return [cert, key]


def _nginx_t(cfg: Path) -> subprocess.CompletedProcess:
    return subprocess.run([need_tool("nginx"), "-t", "-c", str(cfg / "nginx.conf"), "-p", f"{cfg}/"],
                          capture_output=True, text=True)


def test_a_site_nginx_refuses_fails_alone_and_the_other_tenants_site_is_served(app, world, as_taro, as_hanako,
                                                                              as_provider, local_server):
    port = free_port()
    _set_config(app, world, http_listen=[f"127.0.0.1:{port}"], nginx_user="root")
    assert as_taro.post("/u/demo/domains", data={"name": "live.example.jp"}).status_code == 302
    run_jobs(app)
    cfg = local_server / "cfg"
    live_before = (cfg / "sites" / "live.example.jp.conf").read_bytes()

    # A domain's own certificate files are broken (a failed renewal, a bad upload): nginx refuses them.
    certs = local_server / "certs"
    certs.mkdir()
    _set_config(app, world, tls_certificates={"live.example.jp": _broken_certificate(certs, "live.example.jp"),
                                              "secure.example.jp": _broken_certificate(certs, "secure.example.jp")})
    live = _domain(app, "live.example.jp")
    assert as_taro.post(f"/u/demo/domains/{live.id}/https", data={"https": "y"}).status_code == 302
    assert as_taro.post("/u/demo/domains", data={"name": "secure.example.jp", "https": "y"}).status_code == 302
    assert as_hanako.post("/u/acme/domains", data={"name": "hanako.example.jp"}).status_code == 302
    run_jobs(app)

    # The other tenant's site is applied and served by the real nginx.
    hanako = _domain(app, "hanako.example.jp")
    assert hanako.state == "applied" and hanako.state_reason is None and hanako.state_detail is None
    assert (cfg / "sites" / "hanako.example.jp.conf").exists()
    check = _nginx_t(cfg)
    assert check.returncode == 0, check.stderr
    docroot = local_server / "homes" / str(world.acme_customer) / "public_html" / "hanako.example.jp"
    (docroot / "index.html").write_text("hanako\n")
    with running([need_tool("nginx"), "-c", str(cfg / "nginx.conf"), "-p", f"{cfg}/", "-g", "daemon off;"], port):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": "hanako.example.jp"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.read() == b"hanako\n"

    # Only the refused sites fail: a plain reason for the end user, nginx's words for the provider.
    for name in ("live.example.jp", "secure.example.jp"):
        row = _domain(app, name)
        assert row.state == "failed" and row.state_reason == failures.SITE_REFUSED
        assert "cannot load certificate" in row.state_detail and f"certs/{name}.crt" in row.state_detail
    # the live site keeps its previous, working file; the new one was never served
    assert (cfg / "sites" / "live.example.jp.conf").read_bytes() == live_before
    assert "previous configuration is still in place" in _domain(app, "live.example.jp").state_detail
    assert not (cfg / "sites" / "secure.example.jp.conf").exists()

    page = as_taro.get("/u/demo/domains").get_data(as_text=True)
    assert page.count(_shown(app, failures.SITE_REFUSED)) == 2
    text = re.sub(r'href="[^"]*"', "", page)  # the link to the domain's certificate page is ours, not a tool's output
    assert str(local_server) not in text and "nginx" not in text and "certificate" not in text.lower()
    assert 'data-state="applied"' in as_hanako.get("/u/acme/domains").get_data(as_text=True)

    listing = as_provider.get(f"/admin/servers/{world.server}/failures").get_data(as_text=True)
    assert "secure.example.jp" in listing and "live.example.jp" in listing and "hanako.example.jp" not in listing
    assert "cannot load certificate" in listing and f"{certs}/secure.example.jp.crt" in listing

    # The provider puts a working certificate in place; the end user retries; it is applied.
    cert, key = self_signed(certs, "secure.example.jp")
    _set_config(app, world, tls_certificates={"secure.example.jp": [cert, key]})
    secure = _domain(app, "secure.example.jp")
    assert as_taro.post(f"/u/demo/domains/{secure.id}/retry").status_code == 302
    run_jobs(app)
    assert _domain(app, "secure.example.jp").state == "applied"
    assert f'ssl_certificate "{cert}";' in (cfg / "sites" / "secure.example.jp.conf").read_text()
    assert "secure.example.jp" not in as_provider.get(f"/admin/servers/{world.server}/failures").get_data(as_text=True)


def test_a_broken_server_certificate_fails_the_https_sites_only(app, world, as_taro, as_hanako, local_server):
    cert, key = _broken_certificate(local_server, "server.example.net")
    _set_config(app, world, tls_cert_file=cert, tls_key_file=key)
    as_taro.post("/u/demo/domains", data={"name": "secure.example.jp", "https": "y"})
    as_hanako.post("/u/acme/domains", data={"name": "hanako.example.jp"})
    run_jobs(app)
    assert _domain(app, "hanako.example.jp").state == "applied"
    secure = _domain(app, "secure.example.jp")
    assert secure.state == "failed" and secure.state_reason == failures.SITE_REFUSED
    assert "cannot load certificate" in secure.state_detail
    assert _nginx_t(local_server / "cfg").returncode == 0


def test_a_live_site_whose_certificate_broke_is_taken_out_so_the_others_go_on(app, world, as_taro, as_hanako,
                                                                             local_server):
    certs = local_server / "certs"
    certs.mkdir()
    cert, key = self_signed(certs, "secure.example.jp")
    _set_config(app, world, tls_certificates={"secure.example.jp": [cert, key]})
    as_taro.post("/u/demo/domains", data={"name": "secure.example.jp", "https": "y"})
    run_jobs(app)
    assert _domain(app, "secure.example.jp").state == "applied"

    Path(cert).write_text("garbage\n")  # renewed in place, broken: nginx would not even start with it
    as_hanako.post("/u/acme/domains", data={"name": "hanako.example.jp"})
    run_jobs(app)
    assert _domain(app, "hanako.example.jp").state == "applied"
    secure = _domain(app, "secure.example.jp")
    assert secure.state == "failed" and secure.state_reason == failures.SITE_REFUSED
    assert "it is not served" in secure.state_detail
    cfg = local_server / "cfg"
    assert sorted(p.name for p in (cfg / "sites").glob("*.conf")) == ["hanako.example.jp.conf"]
    assert _nginx_t(cfg).returncode == 0


def test_a_failure_of_the_whole_server_shows_end_users_a_plain_reason(app, world, as_taro, as_provider,
                                                                     local_server):
    _set_config(app, world, tools={"nginx": ["/bin/false"]})  # nginx -t fails whatever it is given
    as_taro.post("/u/demo/domains", data={"name": "first.example.jp"})
    run_jobs(app)
    row = _domain(app, "first.example.jp")
    assert row.state == "failed" and row.state_reason == failures.NOT_APPLIED
    assert "nginx -t failed (exit status 1)" in row.state_detail
    page = as_taro.get("/u/demo/domains").get_data(as_text=True)
    assert _shown(app, failures.NOT_APPLIED) in page and "nginx" not in page
    assert "nginx -t failed" in as_provider.get(f"/admin/servers/{world.server}/failures").get_data(as_text=True)


def test_a_zone_named_checkzone_refuses_does_not_stop_another_tenants_records(app, world, as_taro, as_hanako,
                                                                             as_provider, local_server):
    no_day_one_records(app, world.server)
    as_taro.post("/u/demo/domains", data={"name": "shop.example.jp"})
    as_hanako.post("/u/acme/domains", data={"name": "hanako.example.jp"})
    shop, hanako = _domain(app, "shop.example.jp"), _domain(app, "hanako.example.jp")
    # Each record is fine on its own; BIND refuses an MX that points at an alias (RFC 2181 10.3).
    assert as_taro.post(f"/u/demo/domains/{shop.id}/dns", data={"type": "CNAME", "name": "www",
                                                                "value": "@"}).status_code == 302
    assert as_taro.post(f"/u/demo/domains/{shop.id}/dns", data={"type": "MX", "name": "@", "priority": "10",
                                                                "value": "www"}).status_code == 302
    assert as_hanako.post(f"/u/acme/domains/{hanako.id}/dns", data={"type": "A", "name": "@",
                                                                    "value": "192.0.2.10"}).status_code == 302
    run_jobs(app)

    assert [r.state for r in _rows(app, DnsRecord, domain_id=hanako.id)] == ["applied"]
    zones = local_server / "cfg" / "dns"
    assert "192.0.2.10" in (zones / "hanako.example.jp.zone").read_text()
    taro_rows = _rows(app, DnsRecord, domain_id=shop.id)
    assert {(r.type, r.state, r.state_reason) for r in taro_rows} == {("CNAME", "failed", failures.ZONE_REFUSED),
                                                                      ("MX", "failed", failures.ZONE_REFUSED)}
    assert all("is a CNAME (illegal)" in r.state_detail for r in taro_rows)
    assert not (zones / "shop.example.jp.zone").exists()
    page = as_taro.get(f"/u/demo/domains/{shop.id}/dns").get_data(as_text=True)
    assert _shown(app, failures.ZONE_REFUSED) in page and "CNAME (illegal)" not in page
    listing = as_provider.get(f"/admin/servers/{world.server}/failures").get_data(as_text=True)
    assert "www CNAME (shop.example.jp)" in listing and "CNAME (illegal)" in listing
    assert "hanako.example.jp" not in listing


def test_an_ftp_user_whose_folder_became_a_link_out_of_its_home_fails_alone(app, world, as_taro, as_hanako,
                                                                           local_server):
    assert as_taro.post("/u/demo/ftp", data={"name": "taroweb", "password": PASSWORD,
                                             "directory": "public_html"}).status_code == 302
    run_jobs(app)
    homes = local_server / "homes"
    taro_home, hanako_home = homes / str(world.demo_customer), homes / str(world.acme_customer)
    (taro_home / "public_html").mkdir(parents=True, exist_ok=True)
    hanako_home.mkdir(parents=True, exist_ok=True)
    (taro_home / "public_html").rmdir()
    (taro_home / "public_html").symlink_to(hanako_home)  # e.g. made by a script on the site
    assert as_hanako.post("/u/acme/ftp", data={"name": "hanakoweb", "password": PASSWORD,
                                               "directory": ""}).status_code == 302
    run_jobs(app)
    taro, hanako = _rows(app, FtpAccount, name="taroweb")[0], _rows(app, FtpAccount, name="hanakoweb")[0]
    assert hanako.state == "applied"
    assert taro.state == "failed" and taro.state_reason == failures.FTP_REFUSED
    assert "leads outside your home folder" in taro.state_detail and "it is not served" in taro.state_detail
    passwd = (local_server / "cfg" / "ftp" / "pureftpd.passwd").read_text()
    assert "hanakoweb:" in passwd and "taroweb:" not in passwd
