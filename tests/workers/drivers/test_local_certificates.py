"""A site's own certificate through the host driver (issue 17): written with its site file, checked
by the real ``nginx -t``; a certificate nginx refuses leaves that site out with its previous file
and certificate in place, byte for byte, while the other sites are applied. ACME answers are
written under the config directory and removed again."""
from __future__ import annotations

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from tests.workers.drivers.local_helpers import need_tool
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.spec import ApplyError, VirtualHost


def certificate(name: str, key) -> tuple[str, str]:
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode())


def test_a_certificate_nginx_refuses_keeps_the_previous_one_and_the_other_sites_go_on(tmp_path):
    need_tool("nginx")
    cfg = tmp_path / "cfg"
    driver = LocalDriver(cfg)
    good = certificate("a.example.jp", ec.generate_private_key(ec.SECP256R1()))
    other = certificate("b.example.jp", ec.generate_private_key(ec.SECP256R1()))
    hosts = [VirtualHost("a.example.jp", "/srv/a", True, certificate=good),
             VirtualHost("b.example.jp", "/srv/b", True, certificate=other)]
    assert driver.apply_web(hosts).ok
    pem, key = cfg / "certs" / "a.example.jp.pem", cfg / "certs" / "a.example.jp.key"
    assert pem.read_text() == good[0] and key.read_text() == good[1] and oct(key.stat().st_mode & 0o777) == "0o600"
    before = {p: p.read_bytes() for p in (pem, key, cfg / "sites" / "a.example.jp.conf")}

    weak = certificate("a.example.jp", rsa.generate_private_key(public_exponent=65537, key_size=1024))
    renewed = certificate("b.example.jp", ec.generate_private_key(ec.SECP256R1()))
    result = driver.apply_web([VirtualHost("a.example.jp", "/srv/a", True, certificate=weak),
                               VirtualHost("b.example.jp", "/srv/b", True, certificate=renewed)])
    assert set(result.left_out) == {"a.example.jp"} and result.left_out["a.example.jp"].served
    assert "nginx" in str(result.left_out["a.example.jp"].error.tool)
    assert {p: p.read_bytes() for p in before} == before  # the old site file and certificate, byte for byte
    assert (cfg / "certs" / "b.example.jp.pem").read_text() == renewed[0]  # the other site's renewal went in

    assert driver.apply_web([VirtualHost("b.example.jp", "/srv/b", True, certificate=renewed)]).ok
    assert not pem.exists() and not key.exists()  # a site gone: its certificate goes with it


def test_acme_answers_are_written_and_removed_and_tokens_are_checked(tmp_path):
    driver = LocalDriver(tmp_path / "cfg")
    token = "Aa0_-" * 8
    driver.put_acme_challenge(token, f"{token}.thumbprint")
    answer = tmp_path / "cfg" / "acme" / ".well-known" / "acme-challenge" / token
    assert answer.read_text() == f"{token}.thumbprint"
    driver.remove_acme_challenge(token)
    assert not answer.exists()
    for bad in ("../../etc/passwd", "short", "a b" * 10):
        with pytest.raises(ApplyError):
            driver.put_acme_challenge(bad, "x")
