"""The probe benchmark's anchor is set up to do what our probes do: every blackbox_exporter module
sends well-formed lines, and each of the 11 protocols succeeds against the same servers."""
from __future__ import annotations

from bench.bench_probes import Blackbox, Servers, blackbox_modules
from workers.probes import run_probes


def test_every_line_the_exporter_sends_ends_in_one_crlf():
    modules = blackbox_modules("/ca.pem")["modules"]
    sent = [step["send"] for module in modules.values()
            for step in module.get("tcp", {}).get("query_response", []) if "send" in step]
    assert sent and all(line.endswith("\r") and not line.endswith("\r\r") for line in sent)
    assert "EHLO [127.0.0.1]\r" in sent


def test_both_engines_find_every_protocol_up_on_the_benchmark_servers():
    with Servers() as servers:
        endpoints = servers.endpoints(len(servers.targets()))  # one endpoint of each protocol
        ours = run_probes(endpoints, 11)
        assert [r.endpoint.protocol for r in ours if not r.up] == [], [r.reason for r in ours]
        with Blackbox(servers) as blackbox:
            measured = blackbox.probe(endpoints)
        assert measured["up"] == len(endpoints) and measured["down_modules"] == []
