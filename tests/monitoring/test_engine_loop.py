"""The engine's run_probes (the check job's entry point, on uvloop when installed) gives the same
verdicts as the probes' own tests: certificate failures, refusals and hangs are DOWN with their
reason, and one hung peer does not hold up the others."""
import time

from workers.probes import Endpoint, _loop_factory, run_probes


def test_mixed_batch_on_the_engine_loop(nginx_server, smtp_server, black_hole, closed_port, tls_material):
    ca = str(tls_material.ca_file)
    batch = [
        Endpoint("https", "127.0.0.1", nginx_server.https_port, timeout=5, server_name="localhost", ca_file=ca),
        Endpoint("https", "127.0.0.1", nginx_server.https_port, timeout=5, server_name="localhost"),  # system CAs
        Endpoint("smtp", "127.0.0.1", smtp_server.starttls_port, timeout=5, server_name="localhost", ca_file=ca),
        Endpoint("imap", black_hole.host, black_hole.port, timeout=1.5),
        Endpoint("pop3", closed_port.host, closed_port.port, timeout=5),
        Endpoint("icmp", "127.0.0.1", timeout=3, echoes=1),
    ]
    started = time.monotonic()
    ok, untrusted, smtp, hung, refused, ping = run_probes(batch, 10)
    assert time.monotonic() - started < 5
    assert ok.up and ok.tls_verified is True and ok.tls_expires is not None
    assert not untrusted.up and untrusted.reason.startswith("TLS certificate:") and untrusted.tls_verified is False
    assert smtp.up and smtp.tls_verified is True
    assert (hung.up, hung.reason) == (False, "timeout after 1.5s")
    assert (refused.up, refused.reason) == (False, "connection refused")
    assert ping.up and ping.reason == "1/1 replies"


def test_engine_uses_uvloop_when_installed():
    import importlib.util

    factory = _loop_factory()
    assert (factory is not None) == (importlib.util.find_spec("uvloop") is not None)
