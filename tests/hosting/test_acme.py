"""HTTPS for every domain with certificates from an ACME CA (issue 17), against Debian's pebble:
a domain with HTTPS ticked gets a certificate for its name and www. name, nginx serves it (an
HTTPS probe verifying against pebble's root), a forced renewal replaces it, a failing challenge
shows its reason in the end-user panel and keeps the certificate served."""
from __future__ import annotations

import http.client
import socket
import ssl
import time

from cryptography import x509
from sqlalchemy import select

from tenants.hosting import certificate_failures as why
from tenants.models import AcmeAccount, Certificate, Domain
from tenants.tenancy import Scope
from tests.hosting.helpers import run_jobs
from tests.support import scoped_session


def served(site, name: str) -> x509.Certificate:
    """The certificate nginx presents for ``name``, verified against pebble's root."""
    context = ssl.create_default_context(cafile=str(site["root"]))
    with socket.create_connection(("127.0.0.1", site["https"]), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=name) as tls:
            return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))


def get(site, name: str, path: str = "/", https: bool = True) -> tuple[int, str, dict]:
    if https:
        context = ssl.create_default_context(cafile=str(site["root"]))
        conn = http.client.HTTPSConnection("127.0.0.1", site["https"], context=context, timeout=10)
        conn.sock = context.wrap_socket(socket.create_connection(("127.0.0.1", site["https"])), server_hostname=name)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", site["http"], timeout=10)
    conn.request("GET", path, headers={"Host": name})
    answer = conn.getresponse()
    return answer.status, answer.read().decode(errors="replace"), dict(answer.getheaders())


def eventually(probe, done, seconds: float = 10):
    """What ``probe()`` answers once ``done`` holds: nginx -s reload returns before the new
    workers answer (the old ones finish what they hold)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            answer = probe()
            if done(answer):
                return answer
        except OSError:  # ssl.SSLError is one: the listener is not there yet
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def row_of(app, name: str) -> tuple[Domain, Certificate | None]:
    with scoped_session(app, Scope.system()) as s:
        domain = s.execute(select(Domain).where(Domain.name == name)).scalar_one()
        cert = s.execute(select(Certificate).where(Certificate.domain_id == domain.id)).scalar_one_or_none()
        s.expunge_all()
        return domain, cert


def test_a_domain_gets_a_pebble_certificate_renews_and_keeps_it_when_a_challenge_fails(app, world, as_taro,
                                                                                         acme_site, local_server):
    from workers.jobs.hosting.certificates import issue_certificate

    as_taro.get("/lang/en")
    assert as_taro.post("/u/demo/domains", data={"name": "bücher.example.jp", "https": "y"}).status_code == 302
    run_jobs(app)  # web, dns, then the certificate
    name = "xn--bcher-kva.example.jp"
    domain, cert = row_of(app, name)
    assert cert is not None and cert.cert_pem, cert and (cert.last_error, cert.last_error_detail)
    assert domain.state == "applied"
    assert "Pebble" in cert.issuer and set(cert.name_list) == {name, f"www.{name}"}
    first = eventually(lambda: served(acme_site, name), lambda c: True)  # verified against pebble's root
    assert first.serial_number == x509.load_pem_x509_certificate(cert.cert_pem.encode()).serial_number
    assert served(acme_site, f"www.{name}").serial_number == first.serial_number
    home = local_server / "homes" / str(world.demo_customer) / domain.docroot
    home.mkdir(parents=True, exist_ok=True)
    (home / "index.html").write_text("bücher shop\n")
    assert get(acme_site, name)[:2] == (200, "bücher shop\n")
    status, _, headers = eventually(lambda: get(acme_site, name, "/any?x=1", https=False), lambda r: r[0] == 301)
    assert status == 301 and headers["Location"] == f"https://{name}/any?x=1"  # HTTP → HTTPS, per domain
    assert as_taro.post(f"/u/demo/domains/{domain.id}/redirect", data={}).status_code == 302  # switched off
    run_jobs(app)
    assert eventually(lambda: get(acme_site, name, https=False), lambda r: r[0] == 200)[:2] == (200, "bücher shop\n")
    assert as_taro.post(f"/u/demo/domains/{domain.id}/redirect", data={"redirect": "y"}).status_code == 302
    run_jobs(app)
    assert eventually(lambda: get(acme_site, name, https=False), lambda r: r[0] == 301)[0] == 301
    with scoped_session(app, Scope.system()) as s:
        assert len(s.execute(select(AcmeAccount)).scalars().all()) == 1  # one account, key sealed
        assert "PRIVATE" not in s.execute(select(AcmeAccount.key_secret)).scalar_one()
        assert "PRIVATE" not in s.execute(select(Certificate.key_secret)).scalar_one()

    page = as_taro.get("/u/demo/domains").get_data(as_text=True)
    assert "Pebble" in page and first.not_valid_after_utc.strftime("%Y-%m-%d") in page

    with app.app_context():  # a forced renewal replaces it, nginx reloaded without a stop
        assert "certificate issued" in issue_certificate(domain.id, force=True)
    second = eventually(lambda: served(acme_site, name), lambda c: c.serial_number != first.serial_number)
    assert second.serial_number != first.serial_number
    assert row_of(app, name)[1].last_error is None

    acme_site["pebble"].point(name, "127.0.0.2")  # pebble now looks where no site answers
    with app.app_context():
        result = issue_certificate(domain.id, force=True)
    assert "not issued" in result
    _, failed = row_of(app, name)
    assert failed.last_error == why.UNREACHABLE and failed.last_error_detail
    assert failed.failures == 1 and failed.next_attempt_at is not None  # backoff: no retry storm
    assert served(acme_site, name).serial_number == second.serial_number  # the old one is still served
    page = as_taro.get("/u/demo/domains").get_data(as_text=True)
    assert "could not reach this site over HTTP" in page
    from workers.jobs.hosting.certificates import renew_certificates
    with app.app_context():  # the hourly sweep leaves it alone until the backoff is over
        assert f"issue_certificate({domain.id})" not in renew_certificates()


def test_a_www_name_that_does_not_point_here_leaves_the_domain_alone_in_the_certificate(app, world, as_taro,
                                                                                          acme_site):
    acme_site["pebble"].point("www.solo.example.jp", "127.0.0.2")  # no site answers for www. there
    assert as_taro.post("/u/demo/domains", data={"name": "solo.example.jp", "https": "y"}).status_code == 302
    run_jobs(app)
    _, cert = row_of(app, "solo.example.jp")
    assert cert.cert_pem and cert.name_list == ["solo.example.jp"] and cert.last_error is None
    got = eventually(lambda: served(acme_site, "solo.example.jp"), lambda c: True)
    assert got.serial_number == x509.load_pem_x509_certificate(cert.cert_pem.encode()).serial_number
