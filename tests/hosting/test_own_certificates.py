"""An own certificate for a domain (issue 17 item 2): uploaded in the end-user panel, checked (key
match, chain order, names, expiry, PEM, size) with a clear message beside the field, and served by
nginx; every refused upload saves nothing and the certificate served before stays."""
from __future__ import annotations

import datetime
import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from tenants.models import AuditLog, Certificate
from tenants.tenancy import Scope
from tests.hosting.helpers import run_jobs
from tests.hosting.test_acme import eventually, row_of, served
from tests.hosting.test_panel_rules import errors_beside
from tests.support import scoped_session

NOW = datetime.datetime.now(datetime.timezone.utc)
NAME = "own.example.jp"


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _cert(subject: str, key, issuer_name: str, issuer_key, *, ca=False, names=(), days=(-1, 90)):
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW + datetime.timedelta(days=days[0]))
               .not_valid_after(NOW + datetime.timedelta(days=days[1]))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem(*certs) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture
def material():
    root_key, mid_key, leaf_key = _key(), _key(), _key()
    root = _cert("Own Test Root", root_key, "Own Test Root", root_key, ca=True, days=(-10, 3650))
    mid = _cert("Own Test Intermediate", mid_key, "Own Test Root", root_key, ca=True, days=(-10, 3650))
    leaf = _cert(NAME, leaf_key, "Own Test Intermediate", mid_key, names=[NAME, f"www.{NAME}"])
    return {"root": root, "mid": mid, "leaf": leaf, "key": leaf_key, "mid_key": mid_key}


def upload(client, domain_id: int, cert: bytes, chain: bytes | None, key: bytes):
    data = {"certificate": (io.BytesIO(cert), "cert.pem"), "key": (io.BytesIO(key), "key.pem")}
    if chain is not None:
        data["chain"] = (io.BytesIO(chain), "chain.pem")
    return client.post(f"/u/demo/domains/{domain_id}/certificate", data=data, content_type="multipart/form-data")


def test_an_own_certificate_is_checked_served_and_bad_ones_change_nothing(app, world, as_taro, acme_site,
                                                                           material, tmp_path):
    as_taro.get("/lang/en")
    assert as_taro.post("/u/demo/domains", data={"name": NAME, "https": "y"}).status_code == 302
    run_jobs(app)
    domain, acme_cert = row_of(app, NAME)
    assert acme_cert.source == "acme" and acme_cert.cert_pem

    answer = upload(as_taro, domain.id, pem(material["leaf"]), pem(material["mid"]), key_pem(material["key"]))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    run_jobs(app)
    root_file = tmp_path / "own-root.pem"
    root_file.write_bytes(pem(material["root"]))
    site = {**acme_site, "root": root_file}  # verified against our own root now
    good = eventually(lambda: served(site, NAME), lambda c: c.serial_number == material["leaf"].serial_number)
    assert good.serial_number == material["leaf"].serial_number
    _, row = row_of(app, NAME)
    assert row.source == "own" and row.issuer == "Own Test Intermediate"
    with scoped_session(app, Scope.system()) as s:
        assert s.execute(select(AuditLog).where(AuditLog.action == "domain.certificate")).scalars().first()

    other_key = _key()
    expired = _cert(NAME, material["key"], "Own Test Intermediate", material["mid_key"], names=[NAME], days=(-100, -1))
    foreign = _cert("other.example.jp", material["key"], "Own Test Intermediate", material["mid_key"],
                    names=["other.example.jp"])
    weak_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    weak = _cert(NAME, weak_key, "Own Test Intermediate", material["mid_key"], names=[NAME])
    bad = [  # (certificate, chain, key, field, words shown beside it)
        (pem(weak), pem(material["mid"]), key_pem(weak_key), "key", "too short"),
        (pem(foreign), pem(material["mid"]), key_pem(material["key"]), "certificate", "not for own.example.jp"),
        (pem(expired), pem(material["mid"]), key_pem(material["key"]), "certificate", "expired on"),
        (pem(material["leaf"]), pem(material["mid"]), key_pem(other_key), "key", "does not belong"),
        (pem(material["leaf"]), pem(material["root"], material["mid"]), key_pem(material["key"]), "chain",
         "not in order"),
        (b"hello, this is not a certificate", None, key_pem(material["key"]), "certificate", "not a PEM"),
        (b"-----BEGIN CERTIFICATE-----\n" + b"A" * (5 * 1024 * 1024), None, key_pem(material["key"]), "certificate",
         "too large"),
    ]
    for cert, chain, key, field, words in bad:
        answer = upload(as_taro, domain.id, cert, chain, key)
        page = answer.get_data(as_text=True)
        assert answer.status_code == 400, (words, page[-2000:])
        assert words in errors_beside(page, field), (words, page[-3000:])  # beside its field
        _, now = row_of(app, NAME)
        assert now.cert_pem == row.cert_pem and now.key_secret == row.key_secret  # nothing saved
        assert served(site, NAME).serial_number == material["leaf"].serial_number  # the old one is served
    with scoped_session(app, Scope.system()) as s:
        assert len(s.execute(select(Certificate)).scalars().all()) == 1

    # back to certificates from the CA: one is issued at once, though the own one is still valid
    assert as_taro.post(f"/u/demo/domains/{domain.id}/certificate/acme").status_code == 302
    run_jobs(app)
    _, back = row_of(app, NAME)
    assert back.source == "acme" and "Pebble" in back.issuer
    renewed = eventually(lambda: served(acme_site, NAME), lambda c: "Pebble" in c.issuer.rfc4514_string())
    assert "Pebble" in renewed.issuer.rfc4514_string()


def test_a_reseller_operator_uploads_for_the_customer_in_the_support_view(app, world, as_taro, as_demo_operator,
                                                                          local_server, material):
    from tenants.hosting import certificate_failures as why

    assert as_taro.post("/u/demo/domains", data={"name": NAME, "https": "y"}).status_code == 302
    run_jobs(app)  # ACME is off on this server: the site is served over HTTP, and the page says why
    domain, row = row_of(app, NAME)
    assert row.cert_pem is None and row.last_error == why.NO_ACME
    assert "ssl_certificate" not in (local_server / "cfg" / "sites" / f"{NAME}.conf").read_text()

    assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/support").status_code == 302
    as_demo_operator.get("/lang/en")
    refused = upload(as_demo_operator, domain.id, pem(material["leaf"]), pem(material["mid"]), key_pem(_key()))
    assert refused.status_code == 400 and "does not belong" in errors_beside(refused.get_data(as_text=True), "key")
    assert row_of(app, NAME)[1].cert_pem is None  # nothing saved
    done = upload(as_demo_operator, domain.id, pem(material["leaf"]), pem(material["mid"]), key_pem(material["key"]))
    assert done.status_code == 302
    run_jobs(app)
    domain, row = row_of(app, NAME)
    assert row.source == "own" and domain.state == "applied"
    conf = (local_server / "cfg" / "sites" / f"{NAME}.conf").read_text()
    assert f'ssl_certificate "{local_server}/cfg/certs/{NAME}.pem";' in conf
    assert (local_server / "cfg" / "certs" / f"{NAME}.pem").read_bytes() == pem(material["leaf"], material["mid"])
    assert oct((local_server / "cfg" / "certs" / f"{NAME}.key").stat().st_mode & 0o777) == "0o600"
    with scoped_session(app, Scope.system()) as s:
        entry = s.execute(select(AuditLog).where(AuditLog.action == "domain.certificate")).scalars().first()
        assert entry is not None
