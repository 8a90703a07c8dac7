"""Managed contracts wired to the engines around them: the annual report reads real monitoring
results and incidents, an outage of a managed server is told to the contract's emergency contact,
and the Gold option switches on file-count / DB-size monitoring for the contract's server."""
from datetime import date, datetime, timedelta, timezone

from tenants.contracts import report as contract_report
from tenants.contracts.options import add_option
from tenants.models import CheckResult, Incident, MonitoredEndpoint, ResourceThreshold
from tests.contracts.helpers import formed_contract, system
from workers.jobs.contracts import daily_contracts

JAN = datetime(2026, 3, 1, 0, 0, tzinfo=timezone.utc)


def test_annual_report_shows_uptime_and_incidents_from_monitoring(app, world):
    with system(app) as s:
        c = formed_contract(s, server_id=world.server)
        endpoint = MonitoredEndpoint(server_id=world.server, protocol="http", port=80)
        s.add(endpoint)
        s.flush()
        for i in range(100):  # 100 ten-minute cycles, 3 of them down
            s.add(CheckResult(endpoint_id=endpoint.id, server_id=world.server, cycle=JAN + timedelta(minutes=10 * i),
                              up=i not in (40, 41, 42), in_maintenance=False, latency_ms=1.0, reason=""))
        s.add(Incident(server_id=world.server, endpoint_id=endpoint.id, subject="http:80",
                       started_at=JAN + timedelta(minutes=400), detected_at=JAN + timedelta(minutes=410),
                       recovered_at=JAN + timedelta(minutes=430), reason="connection refused", status="closed"))
        s.commit()
        report = contract_report.annual_report(s, c, 2026)
    assert report.monitoring_available
    assert [(u.service, u.uptime_percent, u.down_minutes) for u in report.uptime] == [("http:80", 97.0, 30)]
    assert [i.service for i in report.incidents] == ["http:80"]
    assert "uptime,http:80,97.000" in contract_report.report_csv(report)


def test_gold_option_switches_on_contract_monitoring_for_the_server(app, world):
    with system(app) as s:
        c = formed_contract(s, server_id=world.server)
        add_option(s, None, c, "gold_support", date(2026, 3, 1), 20_000)
        s.commit()
    daily_contracts(date(2026, 2, 20))
    with system(app) as s:
        row = s.get(ResourceThreshold, world.server)
        assert row is None or not (row.contract_monitoring or row.log_watch)
    daily_contracts(date(2026, 3, 2))
    with system(app) as s:
        assert s.get(ResourceThreshold, world.server).contract_monitoring is True
        assert s.get(ResourceThreshold, world.server).log_watch is True  # hourly system-log collection
