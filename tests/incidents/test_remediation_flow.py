"""A real service stops → DOWN → the configured restart command (which really starts it) → re-probe
→ UP → incident closed → fault report due on the right business day; notices by real SMTP."""
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.incidents.helpers import add_contacts, add_endpoint, incidents, notices, record_cycle, set_server, timeline
from tests.servers.process import port_open
from workers.jobs.incidents.cycle import after_cycle

TEN = timedelta(minutes=10)


@pytest.mark.parametrize("start, kind, due", [
    ("2026-11-20T05:00", "oem", "2026-11-24"),      # Friday JST: weekend + Labour Thanksgiving Day
    ("2026-12-29T05:00", "oem", "2027-01-04"),      # New Year closure 30 Dec – 3 Jan
    ("2026-11-20T05:00", "managed", "2026-11-25"),  # managed terms: 2 business days
])
def test_stopped_service_restarted_incident_closed_report_due(app, world, mailbox, daemon_nginx, start, kind, due):
    t0 = datetime.fromisoformat(start).replace(tzinfo=timezone.utc)
    contacts = add_contacts(app, world)
    set_server(app, world.server, kind=kind)
    eid = add_endpoint(app, world.server, daemon_nginx.port, restart_argv=daemon_nginx.start_argv)
    from workers.drivers.host.remediation import run_command
    assert run_command(daemon_nginx.start_argv, 20).ok

    def cycle(i):
        at = t0 + TEN * i
        up = record_cycle(app, world.server, eid, at)
        return up, after_cycle(world.server, at.isoformat(), at.isoformat())

    assert cycle(0)[0] is True
    daemon_nginx.stop()
    assert not port_open(daemon_nginx.port)
    up, result = cycle(1)                      # one failure: not DOWN yet (threshold 2)
    assert up is False and result["opened"] == 0 and incidents(app, eid) == []
    up, result = cycle(2)                      # DOWN: incident, restart, re-probe, outage notice
    assert up is False and result["opened"] == 1 and result["actions"] == 1
    assert port_open(daemon_nginx.port), "the restart command started the service again"
    [incident] = incidents(app, eid)
    assert incident.status == "open" and incident.started_at == t0 + TEN
    kinds = timeline(app, incident.id)
    assert ("detected", None) in kinds and ("restart", True) in kinds and ("reprobe", True) in kinds
    expected = [contacts["demo"]] if kind == "managed" else sorted(contacts.values())
    assert sorted(r for k, r, s, _ in notices(app) if k == "outage" and s == "sent") == expected
    assert len(mailbox.messages) == len(expected)
    assert all("Outage" in m.subject for m in mailbox.messages)

    up, result = cycle(3)                      # answering again: closed, recovery notice, report draft
    assert up is True and result["closed"] == 1
    [incident] = incidents(app, eid)
    assert incident.status == "closed" and incident.recovered_at == t0 + TEN * 3
    assert ("recovered", None) in timeline(app, incident.id)
    assert incident.report is not None and incident.report.due_on == date.fromisoformat(due)
    assert incident.report.duration_minutes == 20 and "restart" in incident.report.action
    recovery = [m for m in mailbox.messages if "Recovered" in m.subject]
    assert sorted(r for m in recovery for r in m.to) == expected
    cycle(4)                                   # nothing more is sent, nothing reopened
    assert len(mailbox.messages) == 2 * len(expected) and len(incidents(app, eid)) == 1
