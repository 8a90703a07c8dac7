"""The annual service report (サービス実施状況の報告, managed terms §29): per contract and year,
uptime per monitored service, incidents, work requests and how many met their target.

Uptime and incidents come from the monitoring engine (tenants.monitoring.service_record); where nothing was
monitored the report says that no monitoring data is available instead of inventing figures."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from tenants.csv_cells import SafeWriter
from tenants.models import Complaint, Contract, WorkRequest
from tenants.monitoring.service_record import Outage, ServiceUptime, service_record


@dataclass
class AnnualReport:
    contract_id: int
    party: str
    server: str
    year: int
    period_start: date
    period_end: date
    monitoring_available: bool
    uptime: list[ServiceUptime] = field(default_factory=list)
    incidents: list[Outage] = field(default_factory=list)
    work_requests: int = 0
    work_completed: int = 0
    work_met_target: int = 0
    work_overdue: int = 0
    complaints: int = 0


# managed terms §29 (a report of the service's performance at least once a year)
def annual_report(session, contract: Contract, year: int) -> AnnualReport:
    start, end = date(year, 1, 1), date(year, 12, 31)
    report = AnnualReport(contract_id=contract.id, party=contract.party.name,
                          server=contract.server.hostname if contract.server else "",
                          year=year, period_start=start, period_end=end,
                          monitoring_available=False)
    if contract.server_id:
        report.uptime, report.incidents = service_record(session, contract.server_id, start, end)
        report.monitoring_available = bool(report.uptime)
    requests = session.execute(select(WorkRequest).where(
        WorkRequest.contract_id == contract.id, WorkRequest.requested_on >= start,
        WorkRequest.requested_on <= end)).scalars().all()
    report.work_requests = len(requests)
    report.work_completed = sum(1 for w in requests if w.first_completed_on is not None)
    report.work_met_target = sum(1 for w in requests if w.met_target)
    report.work_overdue = sum(1 for w in requests if w.met_target is False or w.overdue)
    report.complaints = len(session.execute(select(Complaint.id).where(
        Complaint.contract_id == contract.id, Complaint.received_on >= start,
        Complaint.received_on <= end)).all())
    return report


def report_csv(report: AnnualReport) -> str:
    """The report as CSV rows of (section, item, value)."""
    out = io.StringIO()
    w = SafeWriter(out)
    w.writerow(["section", "item", "value"])
    w.writerow(["contract", "id", report.contract_id])
    w.writerow(["contract", "party", report.party])
    w.writerow(["contract", "server", report.server])
    w.writerow(["contract", "period", f"{report.period_start.isoformat()}..{report.period_end.isoformat()}"])
    if not report.monitoring_available:
        w.writerow(["uptime", "monitoring", "no monitoring data available"])
    for u in report.uptime:
        w.writerow(["uptime", u.service, f"{u.uptime_percent:.3f}"])
    for i in report.incidents:
        w.writerow(["incident", i.started, f"{i.service}: {i.summary}"])
    w.writerow(["work_requests", "requested", report.work_requests])
    w.writerow(["work_requests", "completed", report.work_completed])
    w.writerow(["work_requests", "met_target", report.work_met_target])
    w.writerow(["work_requests", "missed_target", report.work_overdue])
    w.writerow(["complaints", "received", report.complaints])
    return out.getvalue()
