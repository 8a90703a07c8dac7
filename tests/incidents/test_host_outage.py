"""Issue 20, host-level correlation, with real probes: a namespace host (tests/fleet/hosts.py) runs
two real HTTP servers and a real SMTP server; the panel pings it and probes them. Its network cable
pulled, it opens exactly ONE incident, with its services recorded as affected, one outage notice
per fault contact (a real SMTP receiver) and, once back, one recovery notice and one fault report.
A service still down when the host returns becomes its own incident."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tenants.models import FaultReport, Incident, IncidentAffected, MonitoredEndpoint
from tests.fleet.hosts import Hosts
from tests.incidents.helpers import add_contacts, system, timeline
from tests.servers.process import port_open
from workers.jobs.incidents.cycle import after_cycle, sweep
from workers.jobs.monitoring.checks import check_server

T = datetime(2026, 11, 24, 5, 0, tzinfo=timezone.utc)  # Tuesday 14:00 JST
MIN = timedelta(minutes=1)


def _serve(host, argv: list[str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(["ip", "netns", "exec", host.netns, *argv], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 20
    while not port_open(port, host.address):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{argv} did not start in the namespace host")
        time.sleep(0.1)
    return proc


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


@pytest.fixture
def web_host():
    """A namespace host with two HTTP servers (8080, 8081) and an SMTP server (2525)."""
    with Hosts(["web"]) as hosts:
        host = hosts["web"]
        py = sys.executable
        procs = {
            "http:8080": _serve(host, [py, "-m", "http.server", "--bind", host.address, "8080"], 8080),
            "http:8081": _serve(host, [py, "-m", "http.server", "--bind", host.address, "8081"], 8081),
            "smtp:2525": _serve(host, [py, "-m", "aiosmtpd", "-n", "-l", f"{host.address}:2525"], 2525),
        }
        try:
            yield host, procs
        finally:
            for proc in procs.values():
                _stop(proc)


def _endpoints(app, server_id: int, address: str) -> dict[str, int]:
    with system(app) as s:
        rows = [MonitoredEndpoint(server_id=server_id, protocol="icmp", host=address, timeout_seconds=2.0)]
        rows += [MonitoredEndpoint(server_id=server_id, protocol=p, port=port, host=address, timeout_seconds=2.0)
                 for p, port in (("http", 8080), ("http", 8081), ("smtp", 2525))]
        s.add_all(rows)
        s.commit()
        return {r.label: r.id for r in rows}


def _cycle(app, server_id: int, at: datetime) -> None:
    check_server(server_id, at.isoformat(), checked_at=at.isoformat())
    after_cycle(server_id, at.isoformat(), at.isoformat())


def _incidents(app, server_id: int) -> list[tuple[str, str, str]]:
    with system(app) as s:
        return [(i.kind, i.subject, i.status) for i in s.execute(select(Incident).where(
            Incident.server_id == server_id).order_by(Incident.id)).scalars()]


def test_a_host_taken_down_opens_one_incident_and_one_notice_per_contact(app, world, mailbox, web_host, as_provider):
    host, procs = web_host
    contacts = sorted(add_contacts(app, world).values())
    ids = _endpoints(app, world.server, host.address)
    _cycle(app, world.server, T)
    assert _incidents(app, world.server) == []

    host.link(False)  # the cable is pulled: no ping, no service answers
    for minutes in (10, 20, 30):
        _cycle(app, world.server, T + minutes * MIN)
    sweep((T + 35 * MIN).isoformat())
    assert _incidents(app, world.server) == [("host", "host", "open")]  # one, not four
    outage = [m for m in mailbox.messages if "Outage" in m.subject]
    assert sorted(r for m in outage for r in m.to) == contacts  # one notice per contact
    assert all("http:8080, http:8081, smtp:2525" in m.body for m in outage)
    with system(app) as s:
        [incident] = s.execute(select(Incident)).scalars().all()
        assert sorted(a.subject for a in s.execute(select(IncidentAffected)).scalars()) == [
            "http:8080", "http:8081", "smtp:2525"]
        host_id = incident.id
    as_provider.get("/lang/en")
    board = as_provider.get("/admin/incidents").get_data(as_text=True)
    assert board.count("/admin/incidents/") == 1 and f"/admin/incidents/{host_id}" in board
    detail = as_provider.get(f"/admin/incidents/{host_id}").get_data(as_text=True)
    assert "Services affected" in detail and "smtp:2525" in detail

    _stop(procs["smtp:2525"])  # the host returns without its SMTP server
    host.link(True)
    deadline = time.monotonic() + 20
    while not port_open(8080, host.address) and time.monotonic() < deadline:
        time.sleep(0.1)  # the link is up again (the bridge forwards once the port has learnt)
    _cycle(app, world.server, T + 40 * MIN)
    assert _incidents(app, world.server) == [("host", "host", "closed"), ("service", "smtp:2525", "open")]
    recovery = [m for m in mailbox.messages if "Recovered" in m.subject]
    assert sorted(r for m in recovery for r in m.to) == contacts
    with system(app) as s:
        reports = s.execute(select(FaultReport)).scalars().all()
        assert [r.incident_id for r in reports] == [host_id]  # one fault report for the outage
        assert "services affected: http:8080, http:8081, smtp:2525" in reports[0].impact
        smtp = s.execute(select(Incident).where(Incident.endpoint_id == ids["smtp:2525"])).scalar()
        assert smtp.started_at == T + 40 * MIN  # its own outage begins when the host returned
    assert ("split", None) in timeline(app, smtp.id)
    sweep((T + 50 * MIN).isoformat())
    smtp_notices = [m for m in mailbox.messages if "Outage" in m.subject and "smtp:2525" in m.subject]
    assert sorted(r for m in smtp_notices for r in m.to) == contacts
    assert len(mailbox.messages) == 3 * len(contacts)


def test_a_service_down_first_is_folded_into_the_host_incident(app, world, mailbox):
    """Service incidents opened a cycle before the host was judged down are merged into it."""
    from tests.incidents.helpers import add_endpoint, record_cycle

    add_contacts(app, world)
    a = add_endpoint(app, world.server, 1, threshold=1)
    b = add_endpoint(app, world.server, 2, threshold=1)
    for eid in (a, b):
        record_cycle(app, world.server, eid, T, up=True)
    record_cycle(app, world.server, a, T + 10 * MIN, up=False)
    record_cycle(app, world.server, b, T + 10 * MIN, up=True)
    after_cycle(world.server, (T + 10 * MIN).isoformat(), (T + 10 * MIN).isoformat())
    assert _incidents(app, world.server) == [("service", "http:1", "open")]
    record_cycle(app, world.server, a, T + 20 * MIN, up=False)
    record_cycle(app, world.server, b, T + 20 * MIN, up=False)  # every service down: the host
    after_cycle(world.server, (T + 20 * MIN).isoformat(), (T + 20 * MIN).isoformat())
    assert _incidents(app, world.server) == [("host", "host", "open")]
    sweep((T + 30 * MIN).isoformat())
    assert len(mailbox.messages) == 2  # one per contact
    for eid in (a, b):
        record_cycle(app, world.server, eid, T + 30 * MIN, up=True)
    after_cycle(world.server, (T + 30 * MIN).isoformat(), (T + 30 * MIN).isoformat())
    assert _incidents(app, world.server) == [("host", "host", "closed")]
    assert len(mailbox.messages) == 4
