"""TLS through the probes' own layer (pyOpenSSL): what a provider reads for each kind of failure,
over implicit TLS and over STARTTLS/STLS, and no connection left open afterwards."""
from __future__ import annotations

import asyncio
import os
from datetime import datetime, timezone

import pytest
from OpenSSL import SSL

from tests.servers.certs import make_tls_material
from tests.servers.probe_helpers import assert_down, assert_up, check
from tests.servers.pyservers import SmtpServer
from workers.probes import Endpoint, probe_many, tls


def test_ip_address_mismatch_is_a_certificate_failure(nginx_server):
    # the certificate names 127.0.0.1 (and localhost), not 127.0.0.2
    result = check("https", nginx_server.host, nginx_server.https_port, ca_file=nginx_server.tls.ca_file,
                   server_name="127.0.0.2")
    assert_down(result, "TLS certificate: IP address mismatch, certificate is not valid for '127.0.0.2'.")
    assert result.tls_verified is False


@pytest.mark.parametrize("protocol,port_attr", [("pop3", "pop3_port"), ("imap", "imap_port"), ("imaps", "imaps_port")])
def test_hostname_mismatch_over_starttls_and_implicit_tls(dovecot_server, protocol, port_attr):
    result = check(protocol, dovecot_server.host, getattr(dovecot_server, port_attr),
                   ca_file=dovecot_server.tls.ca_file, server_name="mail.example.test")
    assert_down(result, "TLS certificate: Hostname mismatch, certificate is not valid for 'mail.example.test'.")
    assert result.tls_verified is False and result.tls_expires is None


def test_certificate_of_another_ca_is_a_certificate_failure(dovecot_server, tmp_path):
    other = make_tls_material(tmp_path / "other")
    result = check("pop3s", dovecot_server.host, dovecot_server.pop3s_port, ca_file=other.ca_file,
                   server_name="localhost")
    # the server sends its chain up to its own root, which this CA file does not hold
    assert_down(result, "TLS certificate: self-signed certificate in certificate chain")


def test_system_store_does_not_trust_a_private_ca(dovecot_server):
    result = check("imaps", dovecot_server.host, dovecot_server.imaps_port, server_name="localhost")
    assert_down(result, "TLS certificate: self-signed certificate in certificate chain")


def test_unverified_starttls_still_reads_expiry(dovecot_server):
    result = assert_up(check("imap", dovecot_server.host, dovecot_server.imap_port, verify_tls=False,
                             server_name="mail.example.test"))
    assert result.tls_expires == dovecot_server.tls.not_after and result.tls_verified is False


def test_plain_text_where_tls_is_expected_is_a_tls_failure(scripted_peer):
    peer = scripted_peer(b"* OK plain text server\r\n")
    result = assert_down(check("imaps", peer.host, peer.port, verify_tls=False), "TLS: ")
    assert result.tls_verified is None


def test_peer_closing_during_the_handshake_is_down(scripted_peer):
    peer = scripted_peer(b"")  # accepts, then closes without a word
    assert_down(check("smtps", peer.host, peer.port, verify_tls=False), "connection")


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_no_connection_is_left_open(nginx_server, dovecot_server, black_hole, scripted_peer):
    tls, closing = nginx_server.tls, scripted_peer(b"")
    endpoints = [
        Endpoint("https", nginx_server.host, nginx_server.https_port, ca_file=tls.ca_file, timeout=5),
        Endpoint("https", nginx_server.host, nginx_server.https_port, timeout=5),  # untrusted
        Endpoint("imap", dovecot_server.host, dovecot_server.imap_port, ca_file=tls.ca_file, timeout=5),
        Endpoint("pop3", dovecot_server.host, dovecot_server.pop3_port, server_name="x.example.test",
                 ca_file=tls.ca_file, timeout=5),  # mismatch after STLS
        Endpoint("imaps", black_hole.host, black_hole.port, timeout=0.5),  # handshake never answered
        Endpoint("smtps", closing.host, closing.port, timeout=5),
    ]

    async def rounds():
        await probe_many(endpoints)  # first contexts and imports
        before, held = _open_fds(), black_hole.accepted
        results = await probe_many(endpoints * 5)
        await asyncio.sleep(0.1)  # closes complete on the next loop turns
        return before, results, _open_fds() - (black_hole.accepted - held)

    before, results, after = asyncio.run(rounds())
    assert [r.up for r in results[:4]] == [True, False, True, False]
    assert results[4].reason == "timeout after 0.5s"
    assert after <= before  # the black hole (in this process) holds its side of each connection


def test_missing_or_unusable_ca_file_is_down_with_its_reason(nginx_server, tmp_path):
    missing = check("https", nginx_server.host, nginx_server.https_port, ca_file=str(tmp_path / "none.pem"))
    assert_down(missing, "no such file or directory")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    assert_down(check("https", nginx_server.host, nginx_server.https_port, ca_file=str(garbage)), "TLS: ")


def test_expiry_after_2049_is_read_from_a_generalized_time(tmp_path):
    # RFC 5280 4.1.2.5: notAfter from 2050 on is a GeneralizedTime (YYYYMMDDHHMMSSZ), not a UTCTime
    not_after = datetime(2051, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    material = make_tls_material(tmp_path / "tls", leaf_not_after=not_after)
    server = SmtpServer(tmp_path / "smtp", material).start()
    try:
        for protocol, port in (("smtps", server.smtps_port), ("smtp", server.starttls_port)):
            result = assert_up(check(protocol, server.host, port, ca_file=material.ca_file, server_name="localhost"))
            assert result.tls_expires == not_after and result.tls_verified is True
    finally:
        server.stop()


@pytest.mark.parametrize("text,expected", [
    (b"261231042528Z", datetime(2026, 12, 31, 4, 25, 28, tzinfo=timezone.utc)),
    (b"491231235959Z", datetime(2049, 12, 31, 23, 59, 59, tzinfo=timezone.utc)),
    (b"500101000000Z", datetime(1950, 1, 1, tzinfo=timezone.utc)),  # UTCTime YY >= 50 is 19YY
    (b"20510304050607Z", datetime(2051, 3, 4, 5, 6, 7, tzinfo=timezone.utc)),
    (b"2612310425Z", None),  # no seconds: not RFC 5280's form, left to the full parser
    (b"261231042528+0900", None),
    (b"261331042528Z", None),  # month 13
])
def test_certificate_times_in_rfc5280_form(text, expected):
    assert tls._rfc5280_time(text) == expected



def _server_output(server) -> bytes:
    out = b""
    while True:
        try:
            out += server.bio_read(65536)
        except SSL.WantReadError:
            return out


def _to_server(client: tls.MemoryTls, server) -> None:
    data = client.outgoing()
    if data:
        server.bio_write(data)


def _connected(client: tls.MemoryTls, server) -> None:
    """Run the handshake between a MemoryTls client and a pyOpenSSL server on memory BIOs."""
    client.handshake()
    for _ in range(3):
        _to_server(client, server)
        try:
            server.do_handshake()
        except SSL.WantReadError:
            pass
        client.feed(_server_output(server))
        if client.handshake():
            _to_server(client, server)  # the client's Finished
            return
    raise AssertionError("the handshake did not finish")


def test_an_error_left_in_openssls_queue_does_not_fail_the_next_read(tmp_path):
    # SSL_get_error() reads the thread's whole error queue: an error another call left there must
    # not turn this connection's "nothing to read yet" into a failure (libssl clears the queue as
    # a read or handshake step starts; MemoryTls relies on that)
    material = make_tls_material(tmp_path / "tls")
    server_ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
    server_ctx.use_certificate_chain_file(material.chain_file)
    server_ctx.use_privatekey_file(material.key_file)
    server = SSL.Connection(server_ctx, None)
    server.set_accept_state()
    client = tls.MemoryTls(tls.client_connection(tls.client_context(True, material.ca_file), None, "localhost"))
    _connected(client, server)
    server.sendall(b"+OK ready\r\n")
    client.feed(_server_output(server))

    stale = SSL.Context(SSL.TLS_CLIENT_METHOD)
    assert tls._lib.SSL_CTX_set_cipher_list(stale._context, b"no-such-cipher") == 0
    assert tls._lib.ERR_peek_error() != 0
    received = bytearray()
    assert client.read_into(received) is False
    assert bytes(received) == b"+OK ready\r\n"
