"""postgresql and mysql probes against the machine's real PostgreSQL and MariaDB."""
from __future__ import annotations

import struct

from tests.servers.probe_helpers import assert_down, assert_up, check


def test_postgresql_handshake_up(postgres_server):
    result = assert_up(check("postgresql", postgres_server.host, postgres_server.port))
    assert result.reason == "handshake"


def test_postgresql_handshake_up_even_for_unknown_role(postgres_server):
    # the server answering a login attempt at all is what the handshake proves
    assert_up(check("postgresql", postgres_server.host, postgres_server.port, database="no_such_db_for_probe"))


def test_postgresql_login_select_1(postgres_server):
    result = check("postgresql", postgres_server.host, postgres_server.port, username=postgres_server.user,
                   database="postgres")
    assert assert_up(result).reason == "SELECT 1"


def test_postgresql_login_to_missing_database_is_down(postgres_server):
    # the machine's PostgreSQL trusts 127.0.0.1, so a wrong password cannot fail; a wrong database can
    result = check("postgresql", postgres_server.host, postgres_server.port, username=postgres_server.user,
                   password="wrong", database="no_such_db_for_probe")
    assert_down(result, 'login failed: database "no_such_db_for_probe" does not exist')


def test_postgresql_starting_up_is_down(scripted_peer):
    fields = b"SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0"
    peer = scripted_peer(b"N" + b"E" + struct.pack("!i", 4 + len(fields)) + fields)
    assert_down(check("postgresql", peer.host, peer.port), "PostgreSQL 57P03: the database system is starting up")


def test_postgresql_probe_of_another_service_is_down(scripted_peer):
    peer = scripted_peer(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    assert_down(check("postgresql", peer.host, peer.port), "not a PostgreSQL server")


def test_mysql_handshake_up(mariadb_server):
    result = assert_up(check("mysql", mariadb_server.host, mariadb_server.port))
    assert result.reason.startswith("handshake 10.") or result.reason.startswith("handshake ")
    assert "MariaDB" in result.reason


def test_mysql_login_select_1(mariadb_server):
    result = check("mysql", mariadb_server.host, mariadb_server.port, username=mariadb_server.user,
                   password=mariadb_server.password)
    assert assert_up(result).reason == "SELECT 1"


def test_mysql_wrong_password_is_down(mariadb_server):
    result = check("mysql", mariadb_server.host, mariadb_server.port, username=mariadb_server.user,
                   password="definitely-wrong")
    assert_down(result, "login failed: MySQL 1045: Access denied")


def test_mysql_error_greeting_is_down(scripted_peer):
    payload = b"\xff" + (1040).to_bytes(2, "little") + b"#08004Too many connections"
    peer = scripted_peer(len(payload).to_bytes(3, "little") + b"\x00" + payload)
    assert_down(check("mysql", peer.host, peer.port), "MySQL 1040: Too many connections")


def test_postgresql_tls_handshake_reads_certificate(postgres_tls_server):
    server, tls = postgres_tls_server, postgres_tls_server.tls
    result = assert_up(check("postgresql", server.host, server.port, ca_file=tls.ca_file))
    assert result.tls_expires == tls.not_after and result.tls_verified is True
    unverified = assert_up(check("postgresql", server.host, server.port, verify_tls=False))
    assert unverified.tls_expires == tls.not_after and unverified.tls_verified is False
    assert_down(check("postgresql", server.host, server.port), "TLS certificate:")


def test_postgresql_tls_login_select_1(postgres_tls_server):
    server, tls = postgres_tls_server, postgres_tls_server.tls
    result = check("postgresql", server.host, server.port, ca_file=tls.ca_file, username=server.user,
                   database="postgres")
    assert assert_up(result).reason == "SELECT 1"
    assert result.tls_expires == tls.not_after
