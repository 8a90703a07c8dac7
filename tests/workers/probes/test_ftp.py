"""ftp and ftps (explicit AUTH TLS) probes against a real pyftpdlib server."""
from __future__ import annotations

from tests.servers.probe_helpers import assert_down, assert_up, check


def test_ftp_banner_up(ftp_server):
    result = assert_up(check("ftp", ftp_server.host, ftp_server.plain_port))
    assert result.tls_expires is None


def test_ftp_login_up_and_wrong_password_down(ftp_server):
    login = dict(username=ftp_server.username, password=ftp_server.password)
    assert_up(check("ftp", ftp_server.host, ftp_server.plain_port, **login))
    bad = check("ftp", ftp_server.host, ftp_server.plain_port, username=ftp_server.username, password="wrong")
    assert_down(bad, "login 530")


def test_ftps_auth_tls_reads_certificate(ftp_server):
    tls = ftp_server.tls
    login = dict(username=ftp_server.username, password=ftp_server.password)
    result = assert_up(check("ftps", ftp_server.host, ftp_server.tls_port, ca_file=tls.ca_file, **login))
    assert result.tls_expires == tls.not_after and result.tls_verified is True


def test_ftps_against_server_without_tls_is_down(ftp_server):
    assert_down(check("ftps", ftp_server.host, ftp_server.plain_port), "AUTH TLS 500")


def test_ftps_untrusted_certificate_is_down(ftp_server):
    assert_down(check("ftps", ftp_server.host, ftp_server.tls_port), "TLS certificate:")


def test_ftp_refusing_banner_is_down(scripted_peer):
    peer = scripted_peer(b"421-Too many users\r\n421 try again later\r\n")
    assert_down(check("ftp", peer.host, peer.port), "banner 421")
