"""Fault reports (障害報告書): drafted at recovery, due the next business day (OEM spec) or within
2 business days (managed terms), edited and sent by email by the provider."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from tenants import audit
from tenants.calendar import to_jst
from tenants.errors import N_, Problem, RuleViolation
from tenants.incidents.deadlines import report_due_on, report_overdue
from tenants.incidents.models import EntryKind
from tenants.incidents.timeline import add_entry
from tenants.models import FaultReport, Incident, IncidentEntry, Server

REPORT_FIELDS = ("what", "impact", "cause", "action", "prevention")
MAX_FIELD = 5000


def _actions_summary(session, incident: Incident) -> str:
    entries = session.execute(select(IncidentEntry).where(
        IncidentEntry.incident_id == incident.id,
        IncidentEntry.kind.in_((EntryKind.RESTART, EntryKind.REBOOT, EntryKind.ESCALATED, EntryKind.REPROBE,
                                EntryKind.POWER_CYCLE, EntryKind.POWER_RESULT, EntryKind.HOST_RETURNED))).order_by(
        IncidentEntry.at, IncidentEntry.id)).scalars()
    return "\n".join(f"{to_jst(e.at):%Y-%m-%d %H:%M} {e.kind}: {_report_detail(e)}" for e in entries)


def _report_detail(entry: IncidentEntry) -> str:
    """The report goes to the fault contacts: the power lines say what happened, not how the
    provider reaches the hardware (the BMC's address and user stay in the provider's timeline)."""
    if entry.kind == "power_cycle":
        return "the host answered no ping and could not be logged into: power cycle (level 2)"
    if entry.kind == "power_result":
        return "the host was power-cycled" if entry.ok else "the power cycle failed"
    return entry.detail


def _impact(session, incident: Incident, server: Server) -> str:
    from tenants.incidents.host_outage import affected_labels

    if incident.kind != "host":
        return f"{incident.subject} on {server.hostname} unavailable"
    affected = affected_labels(session, incident)  # issue 20: one report for the host and its services
    return f"{server.hostname} unreachable" + (f"; services affected: {', '.join(affected)}" if affected else "")


# OEM spec 障害報告 (翌営業日まで), managed terms 障害報告 (2営業日以内)
def draft_report(session, incident: Incident) -> FaultReport:
    """The draft written when the incident closes: what/when/duration from the incident, the
    actions from its timeline, the due date by the server's kind."""
    if incident.report is not None:
        return incident.report
    recovered_at = incident.recovered_at
    assert recovered_at is not None  # drafted by close_incident(), which sets it
    server = session.get(Server, incident.server_id)
    report = FaultReport(
        incident_id=incident.id, server_id=incident.server_id,
        what=f"{server.hostname}: {incident.subject} ({incident.reason})".strip(),
        occurred_at=incident.started_at, recovered_at=recovered_at,
        duration_minutes=incident.duration_minutes(recovered_at),
        impact=_impact(session, incident, server),
        action=_actions_summary(session, incident),
        due_on=report_due_on(recovered_at, server.kind))
    session.add(report)
    session.flush()
    return report


def save_report(session, actor, report: FaultReport, data: dict) -> FaultReport:
    problems = [Problem(N_("Keep this under %(max)s characters."), name, {"max": MAX_FIELD})
                for name in REPORT_FIELDS if len(data.get(name) or "") > MAX_FIELD]
    if not (data.get("what") or "").strip():
        problems.append(Problem(N_("Say what happened."), "what"))
    if problems:
        raise RuleViolation(problems)
    for name in REPORT_FIELDS:
        setattr(report, name, (data.get(name) or "").strip())
    audit.record(session, actor, "fault_report.save", report, f"fault report of incident #{report.incident_id}")
    return report


def report_text(report: FaultReport, server: Server) -> tuple[str, str]:
    """The email of a fault report (bilingual plain text)."""
    subject = f"[障害報告書/Fault report] {server.hostname} #{report.incident_id}"
    fmt = "%Y-%m-%d %H:%M"
    body = "\n".join([
        f"障害内容 / What: {report.what}",
        f"発生日時 / Occurred: {to_jst(report.occurred_at):{fmt}} JST",
        f"復旧日時 / Recovered: {to_jst(report.recovered_at):{fmt}} JST",
        f"障害時間 / Duration: {report.duration_minutes} min",
        f"影響範囲 / Impact: {report.impact}",
        f"原因 / Cause: {report.cause}",
        f"対応内容 / Action: {report.action}",
        f"再発防止策 / Prevention: {report.prevention}",
    ])
    return subject, body


def mark_sent(session, report: FaultReport, recipients: list[str], at: datetime) -> None:
    report.sent_at, report.sent_to = at, ", ".join(recipients)
    add_entry(session, report.incident, at, EntryKind.REPORT_SENT, report.sent_to, ok=True)


def due_reports(session, today: date) -> list[tuple[FaultReport, bool]]:
    """Unsent reports, earliest due first, each with whether it is overdue (provider dashboard)."""
    rows = session.execute(select(FaultReport).where(FaultReport.sent_at.is_(None)).order_by(
        FaultReport.due_on, FaultReport.id)).scalars()
    return [(r, report_overdue(r.due_on, False, today)) for r in rows]
