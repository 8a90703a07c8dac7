"""Incident jobs (OEM spec 障害対応): run after every monitoring cycle of a server, and every minute
for the notice clock. All safe to run twice or on several workers at once.

after_cycle(server_id, cycle)   the domain opens/closes incidents and plans level 1/2 remediation
                                (tenants.incidents.follow_up), the steps run here, the domain plans
                                the fault-contact notices, and the server's due mail is sent
                                (workers/jobs/outbox.py).
sweep()                         every minute (the scheduler): after_cycle for every server with a
                                DOWN service, an open incident or an unsent notice, so incidents
                                follow each recorded cycle within a minute and the 10-minute rule is
                                kept "promptly, day or night" between cycles. Remediation runs at
                                most once per incident and cycle however often this runs.
send_report(report_id)          email a fault report to the server's fault contacts.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tenants.db import utcnow
from tenants.incidents import escalation, fault_reports
from tenants.incidents.follow_up import follow_cycle
from tenants.incidents.models import IncidentStatus
from tenants.incidents.rules import Recipient, fault_recipients, plan_incident_notices, plan_notice
from tenants.models import FaultReport, Incident, OutboxMail, Server, ServiceState
from tenants.monitoring.models import Health
from tenants.outbox.models import MailStatus
from tenants.outbox.rules import CLAIMABLE
from workers import runtime
from workers.jobs.incidents.remediation import carry_out
from workers.jobs.outbox import send_outbox


def _at(value: str | datetime | None) -> datetime:
    if value is None:
        return utcnow()
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def notify_after() -> timedelta:
    # OEM spec 障害連絡: 10 minutes unless configured (NOTIFY_AFTER_MINUTES)
    return timedelta(minutes=runtime.settings().notify_after_minutes)


def after_cycle(server_id: int, cycle: str | None = None, now: str | None = None, remediate: bool = True) -> dict:
    """Everything incident handling does for one server after a monitoring cycle was recorded: the
    domain opens and closes incidents and plans the remediation, the steps run here, the domain
    plans the notices, and they are sent."""
    at = _at(now)
    with runtime.job_session() as s:
        server = s.get(Server, server_id)
        if server is None:
            return {"server": server_id}
        follow = follow_cycle(s, server, _at(cycle) if cycle else None, at,
                              runtime.settings().monitor_interval_minutes, remediate)
        s.commit()  # incidents recorded, remediation claimed: another worker on this cycle leaves it
        actions = carry_out(s, server, follow.steps)
        planned = plan_incident_notices(s, server_id, at, notify_after(), runtime.settings().oncall_webhook_url)
        escalation.plan_calls(s, server_id, at)  # managed terms: nights and holidays, the emergency call first
        s.commit()
    sent = send_outbox(server_id, now)
    return {"server": server_id, "opened": len(follow.opened), "closed": len(follow.closed), "actions": actions,
            "planned": len(planned), "sent": sent}


def sweep(now: str | None = None) -> int:
    """The minute tick: servers with something DOWN, an open incident or an unsent notice."""
    with runtime.job_session() as s:
        ids = set(s.execute(select(ServiceState.server_id).where(ServiceState.state == Health.DOWN)).scalars())
        ids |= set(s.execute(select(Incident.server_id).where(Incident.status == IncidentStatus.OPEN)).scalars())
        ids |= set(s.execute(select(OutboxMail.server_id).where(
            OutboxMail.server_id.is_not(None), OutboxMail.status.in_(CLAIMABLE))).scalars())
    for server_id in sorted(ids):
        after_cycle(server_id, now=now)
    return len(ids)


def send_report(report_id: int, now: str | None = None) -> int:
    """Email a fault report to the fault contacts of its server (OEM spec 障害報告: メール)."""
    at = _at(now)
    with runtime.job_session() as s:
        report = s.get(FaultReport, report_id)
        if report is None:
            return 0
        server_id = report.server_id
        server = s.get(Server, server_id)
        subject, body = fault_reports.report_text(report, server)
        recipients = fault_recipients(s, server)
        key = f"report:{report.id}:{report.updated_at:%Y%m%d%H%M%S}"  # an edited report may be sent again
        for r in recipients:
            plan_notice(s, server.id, key, "report", Recipient(r.email, r.label), subject, body)
        s.commit()
    send_outbox(server_id, now)
    with runtime.job_session() as s:
        report = s.get(FaultReport, report_id)
        delivered = list(s.execute(select(OutboxMail.recipient).where(
            OutboxMail.dedup_key == key, OutboxMail.status == MailStatus.SENT)).scalars())
        if delivered and report.sent_at is None:
            fault_reports.mark_sent(s, report, delivered, at)
            s.commit()
        return len(delivered)
