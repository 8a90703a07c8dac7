"""http/https probes against a real nginx."""
from __future__ import annotations

from tests.servers.nginx import CHUNKED_KEYWORD, PAGE_TEXT
from tests.servers.probe_helpers import assert_down, assert_up, check


def test_http_up_with_keyword(nginx_server):
    result = assert_up(check("http", nginx_server.host, nginx_server.http_port, keyword=PAGE_TEXT))
    assert result.reason == "HTTP 200"
    assert result.tls_expires is None and result.tls_verified is None


def test_https_reads_certificate_expiry_and_verifies(nginx_server):
    tls = nginx_server.tls
    result = assert_up(check("https", nginx_server.host, nginx_server.https_port, ca_file=tls.ca_file))
    assert result.tls_expires == tls.not_after
    assert result.tls_expires.tzinfo is not None
    assert result.tls_verified is True


def test_https_by_host_name_verifies_the_name(nginx_server):
    tls = nginx_server.tls
    ep = dict(ca_file=tls.ca_file, server_name="localhost")
    assert_up(check("https", nginx_server.host, nginx_server.https_port, **ep))
    wrong = check("https", nginx_server.host, nginx_server.https_port, ca_file=tls.ca_file, server_name="www.example.test")
    assert_down(wrong, "Hostname mismatch")
    assert wrong.tls_verified is False


def test_https_without_verification_still_reads_expiry(nginx_server):
    result = assert_up(check("https", nginx_server.host, nginx_server.https_port, verify_tls=False))
    assert result.tls_expires == nginx_server.tls.not_after  # parsed from the DER certificate
    assert result.tls_verified is False


def test_https_untrusted_certificate_is_down(nginx_server):
    result = assert_down(check("https", nginx_server.host, nginx_server.https_port), "TLS certificate:")
    assert "self-signed certificate in certificate chain" in result.reason
    assert result.tls_verified is False


def test_wrong_status_is_down_with_the_status(nginx_server):
    assert_down(check("http", nginx_server.host, nginx_server.http_port, path="/status/503"), "HTTP 503")
    assert_down(check("http", nginx_server.host, nginx_server.http_port, path="/nowhere"), "HTTP 404")


def test_expected_status_other_than_200(nginx_server):
    result = check("http", nginx_server.host, nginx_server.http_port, path="/status/503", expect_status=503)
    assert assert_up(result).reason == "HTTP 503"


def test_missing_keyword_is_down(nginx_server):
    result = check("http", nginx_server.host, nginx_server.http_port, keyword="no such words on the page")
    assert_down(result, "keyword not found")


def test_keyword_in_a_chunked_body(nginx_server):
    path = "/www/chunked.html"  # sub_filter rewrites the page, so nginx sends it chunked
    assert_up(check("http", nginx_server.host, nginx_server.http_port, path=path, keyword=CHUNKED_KEYWORD))
    assert_down(check("http", nginx_server.host, nginx_server.http_port, path=path, keyword="MARKER"), "keyword")


def test_redirects_are_followed(nginx_server):
    result = check("http", nginx_server.host, nginx_server.http_port, path="/redirect", keyword=PAGE_TEXT)
    assert assert_up(result).reason == "HTTP 200"


def test_redirect_itself_can_be_the_expected_status(nginx_server):
    assert_up(check("http", nginx_server.host, nginx_server.http_port, path="/redirect", expect_status=302))


def test_redirect_to_https_reports_its_certificate(nginx_server):
    tls = nginx_server.tls
    result = assert_up(check("http", nginx_server.host, nginx_server.http_port, path="/to-https", ca_file=tls.ca_file))
    assert result.tls_expires == tls.not_after and result.tls_verified is True


def test_redirect_loop_is_bounded(nginx_server):
    assert_down(check("http", nginx_server.host, nginx_server.http_port, path="/loop"), "too many redirects")


def test_protocol_mismatch_is_down(nginx_server):
    # plain HTTP to the TLS port: nginx answers 400; TLS to the plain port: no handshake
    assert_down(check("http", nginx_server.host, nginx_server.https_port), "HTTP 400")
    assert_down(check("https", nginx_server.host, nginx_server.http_port, verify_tls=False), "TLS")


def test_body_without_length_is_read_to_the_close(scripted_peer):
    # an HTTP/1.0-style answer: no Content-Length, no chunking, the body ends when the peer closes,
    # and it arrives in pieces, the keyword only in the last one
    peer = scripted_peer(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n", b"first part, ", b"then the keyword")
    assert_up(check("http", peer.host, peer.port, keyword="the keyword"))


def test_interim_100_continue_is_skipped(scripted_peer):
    peer = scripted_peer(b"HTTP/1.1 100 Continue\r\n\r\n", b"HTTP/1.1 204 No Content\r\n\r\n")
    assert assert_up(check("http", peer.host, peer.port, expect_status=204)).reason == "HTTP 204"


def test_not_http_is_down(scripted_peer):
    peer = scripted_peer(b"220 mail.example.test ESMTP\r\n")
    assert_down(check("http", peer.host, peer.port), "not an HTTP reply")
