"""Debian's pebble (a small ACME CA for tests) and pebble-challtestsrv (its DNS, answering
127.0.0.1 for every test domain) on loopback test ports; pebble validates HTTP-01 on the port of
the test's nginx. Pebble's own HTTPS listener gets a certificate from a CA made here."""
from __future__ import annotations

import datetime
import json
import os
import ssl
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.hosting.helpers import update_server_config
from tests.servers.process import ServerProcess, find_binary, free_ports, unavailable


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def listener_tls(directory: Path) -> tuple[Path, Path, Path]:
    """(CA file, certificate, key) for pebble's own HTTPS on 127.0.0.1 / localhost."""
    import ipaddress

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = _key(), _key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pebble listener test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False).sign(ca_key, hashes.SHA256()))
    paths = directory / "listener-ca.pem", directory / "listener.pem", directory / "listener.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(_pem(key))
    return paths


@dataclass
class Pebble:
    directory_url: str
    management_url: str
    listener_ca: Path
    challtestsrv_url: str
    processes: tuple[ServerProcess, ...]

    def root_pem(self) -> str:
        """Pebble's current root, from its management endpoint (it makes a new one each start)."""
        context = ssl.create_default_context(cafile=str(self.listener_ca))
        with urllib.request.urlopen(f"{self.management_url}/roots/0", context=context, timeout=10) as answer:
            return answer.read().decode()

    def point(self, host: str, address: str) -> None:
        """Let challtestsrv answer ``address`` for ``host`` (e.g. one where nothing listens)."""
        body = json.dumps({"host": f"{host}.", "addresses": [address]}).encode()
        urllib.request.urlopen(urllib.request.Request(f"{self.challtestsrv_url}/add-a", data=body), timeout=10).read()

    def stop(self) -> None:
        for process in self.processes:
            process.stop()


def start_pebble(directory: Path, http_port: int, ports: list[int] | None = None) -> Pebble:
    """``ports``: five free ports chosen together with the nginx ports, so none is taken twice."""
    pebble, challtestsrv = find_binary("pebble"), find_binary("pebble-challtestsrv")
    if not pebble or not challtestsrv:
        unavailable("pebble is not installed (Debian package pebble)")
    directory.mkdir(parents=True, exist_ok=True)
    acme_port, management_port, tls_port, dns_port, dns_management = ports or free_ports(5)
    ca, cert, key = listener_tls(directory)
    config = {"pebble": {"listenAddress": f"127.0.0.1:{acme_port}",
                         "managementListenAddress": f"127.0.0.1:{management_port}",
                         "certificate": str(cert), "privateKey": str(key),
                         "httpPort": http_port, "tlsPort": tls_port, "ocspResponderURL": "",
                         "externalAccountBindingRequired": False}}
    (directory / "pebble.json").write_text(json.dumps(config))
    dns = ServerProcess("pebble-challtestsrv", [challtestsrv, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
                                                "-dns01", f"127.0.0.1:{dns_port}", "-http01", "", "-https01", "",
                                                "-tlsalpn01", "", "-management", f"127.0.0.1:{dns_management}"],
                        [dns_management], directory / "challtestsrv.log")
    dns.start()
    env = {"PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0", "PEBBLE_AUTHZREUSE": "0"}
    old = {name: os.environ.get(name) for name in env}
    os.environ.update(env)  # ServerProcess passes the environment on
    try:
        ca_server = ServerProcess("pebble", [pebble, "-config", str(directory / "pebble.json"),
                                             "-dnsserver", f"127.0.0.1:{dns_port}"],
                                  [acme_port, management_port], directory / "pebble.log")
        ca_server.start()
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return Pebble(f"https://127.0.0.1:{acme_port}/dir", f"https://127.0.0.1:{management_port}", ca,
                  f"http://127.0.0.1:{dns_management}", (ca_server, dns))


@pytest.fixture
def acme_site(app, world, local_server):
    """The demo server's nginx on loopback ports, its certificates from pebble."""
    from workers.jobs.hosting.provisioning import apply_service

    cfg = local_server / "cfg"
    http_port, https_port, *others = free_ports(7)
    pebble = start_pebble(local_server / "pebble", http_port, others)
    update_server_config(app, world.server, http_listen=[f"127.0.0.1:{http_port}"],
                         https_listen=[f"127.0.0.1:{https_port}"], nginx_user="root",
                         tools={"reload-web": ["nginx", "-c", str(cfg / "nginx.conf"), "-p", f"{cfg}/", "-s", "reload"]},
                         acme_directory=pebble.directory_url, acme_ca_bundle=str(pebble.listener_ca),
                         acme_contact="ssl@provider.example")
    with app.app_context():
        apply_service(world.server, "web")  # nginx.conf exists before nginx starts
    nginx = ServerProcess("nginx", ["nginx", "-c", str(cfg / "nginx.conf"), "-p", f"{cfg}/", "-g", "daemon off;"],
                          [], local_server / "nginx.log")
    nginx.start()
    root = local_server / "pebble-root.pem"
    root.write_text(pebble.root_pem())
    yield {"http": http_port, "https": https_port, "root": root, "pebble": pebble, "cfg": cfg}
    nginx.stop()
    pebble.stop()
