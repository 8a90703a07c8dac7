"""pytest plugin: real servers for probe tests. Register with
`pytest_plugins = ["tests.servers.fixtures"]` in the root tests/conftest.py.

Every server is a real one started by the test run on free loopback ports in a temp directory
and stopped at the end (session-scoped unless named *_restartable). A server that cannot start
here fails the test when CI=true and skips it otherwise.
"""
from __future__ import annotations

import importlib.util
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from .certs import TlsMaterial, make_tls_material
from .dovecot import DovecotServer
from .nginx import NginxServer
from .peers import BlackHole, ClosedPort, ScriptedPeer
from .postgres import PostgresTlsServer, postgres_bindir
from .process import find_binary, unavailable
from .pyservers import FtpServer, SmtpServer

__all__ = [
    "server_workdir", "tls_material", "nginx_server", "nginx_restartable", "smtp_server", "ftp_server",
    "dovecot_server", "dovecot_restartable", "closed_port", "black_hole", "scripted_peer",
    "postgres_server", "postgres_tls_server", "mariadb_server", "DatabaseServer",
    "private_mariadb", "private_postgres",
]


@dataclass(frozen=True)
class DatabaseServer:
    host: str
    port: int
    user: str
    password: str | None


def _started(server, what: str):
    try:
        return server.start()
    except RuntimeError as exc:
        unavailable(f"{what} could not start: {exc}")


def _binary(name: str, package: str) -> str:
    path = find_binary(name)
    if path is None:
        unavailable(f"{name} not installed (Debian package {package})")
    return path


def _python_module(name: str) -> None:
    if importlib.util.find_spec(name) is None:
        unavailable(f"Python package {name} not installed")


@pytest.fixture(scope="session")
def server_workdir():
    """A temp directory other users can traverse (server worker processes drop privileges)."""
    directory = Path(tempfile.mkdtemp(prefix="probe-servers-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def tls_material(server_workdir) -> TlsMaterial:
    """CA + server certificate (localhost, 127.0.0.1, ::1); .ca_file, .not_after."""
    return make_tls_material(server_workdir / "tls")


@pytest.fixture(scope="session")
def nginx_server(server_workdir, tls_material):
    """NginxServer: .host, .http_port, .https_port, .tls."""
    server = NginxServer(_binary("nginx", "nginx-light"), server_workdir / "nginx", tls_material)
    yield _started(server, "nginx")
    server.stop()


@pytest.fixture
def nginx_restartable(server_workdir, tls_material):
    """A private NginxServer of this test, started; the test may stop() and start() it."""
    binary = _binary("nginx", "nginx-light")
    server = NginxServer(binary, Path(tempfile.mkdtemp(prefix="nginx-", dir=server_workdir)), tls_material)
    yield _started(server, "nginx")
    server.stop()


@pytest.fixture(scope="session")
def smtp_server(server_workdir, tls_material):
    """SmtpServer (aiosmtpd): .host, .starttls_port, .smtps_port, .plain_port (no STARTTLS)."""
    _python_module("aiosmtpd")
    server = SmtpServer(server_workdir / "smtp", tls_material)
    yield _started(server, "aiosmtpd")
    server.stop()


@pytest.fixture(scope="session")
def ftp_server(server_workdir, tls_material):
    """FtpServer (pyftpdlib): .host, .tls_port (AUTH TLS), .plain_port (no TLS), .username, .password."""
    _python_module("pyftpdlib")
    _python_module("OpenSSL")
    server = FtpServer(server_workdir / "ftp", tls_material)
    yield _started(server, "pyftpdlib")
    server.stop()


def _dovecot(directory: Path, tls: TlsMaterial) -> DovecotServer:
    return DovecotServer(_binary("dovecot", "dovecot-core, dovecot-imapd, dovecot-pop3d"), directory, tls)


@pytest.fixture(scope="session")
def dovecot_server(server_workdir, tls_material):
    """DovecotServer: .host, .imap_port, .imaps_port, .pop3_port, .pop3s_port, .username, .password."""
    server = _dovecot(server_workdir / "dovecot", tls_material)
    yield _started(server, "dovecot")
    server.stop()


@pytest.fixture
def dovecot_restartable(server_workdir, tls_material):
    """A private DovecotServer of this test, started; the test may stop() and start() it."""
    server = _dovecot(Path(tempfile.mkdtemp(prefix="dovecot-", dir=server_workdir)), tls_material)
    server.directory.chmod(0o755)
    yield _started(server, "dovecot")
    server.stop()


@pytest.fixture(scope="session")
def closed_port():
    """ClosedPort: .host, .port — bound, not listening, so connecting is refused."""
    port = ClosedPort()
    yield port
    port.close()


@pytest.fixture(scope="session")
def black_hole():
    """BlackHole: .host, .port — accepts connections and never answers."""
    hole = BlackHole()
    yield hole
    hole.close()


@pytest.fixture
def scripted_peer():
    """Factory: scripted_peer(b"421 busy\\r\\n", ...) -> ScriptedPeer (.host, .port) sending those pieces."""
    peers: list[ScriptedPeer] = []

    def make(*pieces: bytes) -> ScriptedPeer:
        peers.append(ScriptedPeer(*pieces))
        return peers[-1]

    yield make
    for peer in peers:
        peer.close()


def _reachable(host: str, port: int, what: str) -> None:
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        unavailable(f"{what} not reachable at {host}:{port}: {exc}")


@pytest.fixture(scope="session")
def postgres_server() -> DatabaseServer:
    """The machine's PostgreSQL: 127.0.0.1:5432, user postgres, trust authentication."""
    server = DatabaseServer("127.0.0.1", 5432, "postgres", None)
    _reachable(server.host, server.port, "PostgreSQL")
    return server


@pytest.fixture(scope="session")
def postgres_tls_server(server_workdir, tls_material):
    """PostgresTlsServer: a private PostgreSQL with ssl=on; .host, .port, .user (trust auth), .tls."""
    bindir = postgres_bindir()
    if bindir is None:
        unavailable("PostgreSQL server binaries (initdb) not installed (Debian package postgresql)")
    try:
        server = PostgresTlsServer(bindir, server_workdir / "postgres", tls_material)
    except (OSError, subprocess.SubprocessError) as exc:
        unavailable(f"initdb failed: {exc} {getattr(exc, 'stderr', b'')[-500:]!r}")
    yield _started(server, "postgres")
    server.stop()


@pytest.fixture(scope="session")
def mariadb_server() -> DatabaseServer:
    """The machine's MariaDB: 127.0.0.1:3306, user root, empty password."""
    server = DatabaseServer("127.0.0.1", 3306, "root", "")
    _reachable(server.host, server.port, "MariaDB")
    return server


@pytest.fixture
def private_mariadb(server_workdir):
    """A MariaDB of this test only (not the machine's), on a unix socket: .socket, .admin()."""
    from .private_databases import PrivateMariadb

    _binary("mariadbd", "mariadb-server")
    try:
        server = PrivateMariadb(Path(tempfile.mkdtemp(prefix="mariadb-", dir=server_workdir)))
    except (OSError, subprocess.SubprocessError) as exc:
        unavailable(f"mariadb-install-db failed: {exc} {getattr(exc, 'stderr', b'')[-500:]!r}")
    yield _started(server, "mariadbd")
    server.stop()


@pytest.fixture
def private_postgres(server_workdir):
    """A PostgreSQL of this test only (not the machine's), on a unix socket: .socket, .admin()."""
    from .private_databases import PrivatePostgres

    try:
        server = PrivatePostgres(Path(tempfile.mkdtemp(prefix="postgres-", dir=server_workdir)))
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        unavailable(f"a private PostgreSQL could not be made: {exc} {getattr(exc, 'stderr', b'')[-500:]!r}")
    yield _started(server, "postgres")
    server.stop()
