"""probe / probe_many / run_probes: failures as results, hard timeouts, bounded concurrency."""
from __future__ import annotations

import asyncio
import time

import pytest

from tests.servers.probe_helpers import assert_down, assert_up, check
from workers.probes import PROTOCOLS, Endpoint, probe_many, run_probes

TCP_PROTOCOLS = [p for p in PROTOCOLS if p != "icmp"]


def test_endpoint_defaults_and_aliases():
    assert Endpoint("IMAPS", "mail.example.test").port == 993
    assert Endpoint("mariadb", "db.example.test").protocol == "mysql"
    assert Endpoint("postgres", "db.example.test").port == 5432
    assert Endpoint("ftps", "ftp.example.test").port == 21


def test_unknown_protocol_is_down():
    assert_down(check("gopher", "127.0.0.1", 70), "unknown protocol 'gopher'")


@pytest.mark.parametrize("protocol", TCP_PROTOCOLS)
def test_closed_port_is_connection_refused(closed_port, protocol):
    assert_down(check(protocol, closed_port.host, closed_port.port), "connection refused")


@pytest.mark.parametrize("protocol", TCP_PROTOCOLS)
def test_black_hole_is_down_on_the_hard_timeout(black_hole, protocol):
    started = time.monotonic()
    assert_down(check(protocol, black_hole.host, black_hole.port, timeout=0.5), "timeout after 0.5s")
    assert time.monotonic() - started < 2.5


def test_probe_many_fifty_black_holes_and_one_good(black_hole, nginx_server):
    timeout = 2.0
    holes = [Endpoint("https", black_hole.host, black_hole.port, timeout=timeout) for _ in range(50)]
    good = Endpoint("http", nginx_server.host, nginx_server.http_port, timeout=timeout)
    endpoints = holes[:25] + [good] + holes[25:]
    started = time.monotonic()
    results = asyncio.run(probe_many(endpoints))
    elapsed = time.monotonic() - started
    assert [r.endpoint for r in results] == endpoints  # input order
    assert results[25].up, results[25].reason
    assert all(not r.up and r.reason == "timeout after 2s" for i, r in enumerate(results) if i != 25)
    assert elapsed < 3 * timeout, f"took {elapsed:.2f}s"


def test_probe_many_respects_the_concurrency_bound(black_hole):
    # two at a time, four black holes, 0.5 s each: two rounds, so at least one second
    endpoints = [Endpoint("smtp", black_hole.host, black_hole.port, timeout=0.5) for _ in range(4)]
    started = time.monotonic()
    results = asyncio.run(probe_many(endpoints, concurrency=2))
    elapsed = time.monotonic() - started
    assert [r.up for r in results] == [False] * 4
    assert 1.0 <= elapsed < 3.0, f"took {elapsed:.2f}s"


def test_run_probes_is_synchronous_for_rq_jobs(nginx_server, closed_port):
    results = run_probes(
        [Endpoint("http", nginx_server.host, nginx_server.http_port),
         Endpoint("http", closed_port.host, closed_port.port)],
        concurrency=10,
    )
    assert [(r.up, r.reason) for r in results] == [(True, "HTTP 200"), (False, "connection refused")]


def test_http_server_stopped_and_started_again(nginx_restartable):
    server = nginx_restartable
    assert_up(check("http", server.host, server.http_port))
    server.stop()
    assert_down(check("http", server.host, server.http_port), "connection refused")
    assert_down(check("https", server.host, server.https_port, verify_tls=False), "connection refused")
    server.start()
    assert_up(check("http", server.host, server.http_port))
    assert_up(check("https", server.host, server.https_port, ca_file=server.tls.ca_file))


def test_mail_server_stopped_and_started_again(dovecot_restartable):
    server = dovecot_restartable
    imaps = dict(ca_file=server.tls.ca_file, username=server.username, password=server.password)
    assert_up(check("imaps", server.host, server.imaps_port, **imaps))
    server.stop()
    assert_down(check("imaps", server.host, server.imaps_port, **imaps), "connection refused")
    assert_down(check("pop3", server.host, server.pop3_port), "connection refused")
    server.start()
    assert_up(check("imaps", server.host, server.imaps_port, **imaps))
    assert_up(check("pop3", server.host, server.pop3_port, ca_file=server.tls.ca_file))
