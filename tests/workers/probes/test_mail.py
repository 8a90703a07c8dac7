"""smtp/smtps (aiosmtpd), pop3/pop3s and imap/imaps (dovecot) probes against real servers."""
from __future__ import annotations

import pytest

from tests.servers.probe_helpers import assert_down, assert_up, check


def _assert_verified_tls(result, tls):
    assert result.tls_expires == tls.not_after
    assert result.tls_verified is True


def test_smtp_upgrades_with_starttls(smtp_server):
    tls = smtp_server.tls
    result = assert_up(check("smtp", smtp_server.host, smtp_server.starttls_port, ca_file=tls.ca_file))
    _assert_verified_tls(result, tls)


def test_smtps_implicit_tls(smtp_server):
    tls = smtp_server.tls
    _assert_verified_tls(assert_up(check("smtps", smtp_server.host, smtp_server.smtps_port, ca_file=tls.ca_file)), tls)


def test_smtp_without_starttls_offered_is_up_without_tls(smtp_server):
    result = assert_up(check("smtp", smtp_server.host, smtp_server.plain_port))
    assert result.tls_expires is None and result.tls_verified is None


def test_smtp_starttls_with_untrusted_certificate_is_down(smtp_server):
    assert_down(check("smtp", smtp_server.host, smtp_server.starttls_port), "TLS certificate:")


@pytest.mark.parametrize("protocol,port_attr", [("imap", "imap_port"), ("imaps", "imaps_port"),
                                                ("pop3", "pop3_port"), ("pop3s", "pop3s_port")])
def test_dovecot_up_with_tls_and_login(dovecot_server, protocol, port_attr):
    tls = dovecot_server.tls
    port = getattr(dovecot_server, port_attr)
    assert_up(check(protocol, dovecot_server.host, port, ca_file=tls.ca_file))
    login = dict(ca_file=tls.ca_file, username=dovecot_server.username, password=dovecot_server.password)
    _assert_verified_tls(assert_up(check(protocol, dovecot_server.host, port, **login)), tls)


@pytest.mark.parametrize("protocol,port_attr", [("imap", "imap_port"), ("pop3s", "pop3s_port")])
def test_dovecot_wrong_password_is_down(dovecot_server, protocol, port_attr):
    result = check(protocol, dovecot_server.host, getattr(dovecot_server, port_attr),
                   ca_file=dovecot_server.tls.ca_file, username=dovecot_server.username, password="wrong")
    assert_down(result, "login")
    assert result.tls_expires == dovecot_server.tls.not_after  # TLS was up before the login failed


@pytest.mark.parametrize("protocol,greeting,reason", [
    ("smtp", b"421 4.3.2 too busy, try later\r\n", "banner 421"),
    ("smtp", b"554-no service\r\n554 for you\r\n", "banner 554"),
    ("pop3", b"-ERR [SYS/TEMP] not now\r\n", "banner -ERR"),
    ("imap", b"* BYE server shutting down\r\n", "banner * BYE"),
    ("imap", b"SSH-2.0-OpenSSH_9.2\r\n", "banner SSH-2.0-OpenSSH_9.2"),
    ("smtp", b"", "connection closed by peer"),
])
def test_refusing_banner_is_down(scripted_peer, protocol, greeting, reason):
    peer = scripted_peer(greeting)
    assert_down(check(protocol, peer.host, peer.port), reason)
