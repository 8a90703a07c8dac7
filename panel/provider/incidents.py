"""Provider admin: incidents with their timeline, fault reports (edit, send by email), remediation
commands per service and host, and the dashboard's incident panel."""
import shlex

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from panel.provider.accounts import staff_only
from panel.provider.forms import FaultReportForm, RemediationForm
from tenants.calendar import HELPDESK_HOURS_TEXT, JST
from tenants.db import utcnow
from tenants.incidents import escalation, fault_reports
from tenants.incidents import remediation as remediation_config
from tenants.incidents.deadlines import emergency_contact_first
from tenants.incidents.overview import overview, recent_incidents
from tenants.models import FaultReport, Incident, IncidentEntry, MonitoredEndpoint, OutboxMail, Server
from tenants.servers import power as power_settings
from tenants.servers.models import ServerStatus
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_handle, commit_or_show, form_status
from workers import api


def incident_helpers():
    return {"incident_overview": lambda: overview(db(), utcnow().astimezone(JST).date()),
            "helpdesk_hours": HELPDESK_HOURS_TEXT}


@staff_only
def incidents():
    s = db()
    servers = s.execute(select(Server).where(Server.status != ServerStatus.RETIRED).order_by(Server.hostname)).scalars().all()
    return render_template("provider/incidents.html", incidents=recent_incidents(s), servers=servers)


@staff_only
def incident(incident_id):
    s = db()
    found = get_owned_or_404(s, Incident, incident_id)
    entries = s.execute(select(IncidentEntry).where(IncidentEntry.incident_id == found.id)
                        .order_by(IncidentEntry.at, IncidentEntry.id)).scalars().all()
    notices = s.execute(select(OutboxMail).where(OutboxMail.incident_id == found.id)
                        .order_by(OutboxMail.id)).scalars().all()
    return render_template("provider/incident.html", incident=found, entries=entries, notices=notices, now=utcnow(),
                           emergency_first=emergency_contact_first(found.started_at),
                           call_pending=escalation.call_pending(s, found), note_errors=[], note="")


@staff_only
def incident_acknowledge(incident_id):
    """issue 20: the night/holiday emergency call acknowledged, with what came of it."""
    s = db()
    found = get_owned_or_404(s, Incident, incident_id)
    note = request.form.get("note", "")
    errors: list[str] = []
    if commit_or_handle(lambda: escalation.acknowledge(s, current_user, found, note, utcnow()),
                        lambda exc: errors.extend(p.render(_) for p in exc.problems)) is FAILED:
        entries = s.execute(select(IncidentEntry).where(IncidentEntry.incident_id == found.id)
                            .order_by(IncidentEntry.at, IncidentEntry.id)).scalars().all()
        notices = s.execute(select(OutboxMail).where(OutboxMail.incident_id == found.id)
                            .order_by(OutboxMail.id)).scalars().all()
        return render_template("provider/incident.html", incident=found, entries=entries, notices=notices,
                               now=utcnow(), emergency_first=emergency_contact_first(found.started_at),
                               call_pending=escalation.call_pending(s, found), note_errors=errors, note=note), 400
    flash(_("Acknowledged."), "success")
    return redirect(url_for("provider.incident", incident_id=found.id))


@staff_only
def fault_report(report_id):
    s = db()
    report = get_owned_or_404(s, FaultReport, report_id)
    form = FaultReportForm(obj=report)
    if form.validate_on_submit() and commit_or_show(form, lambda: fault_reports.save_report(
            s, current_user, report, {k: getattr(form, k).data for k in fault_reports.REPORT_FIELDS})) is not FAILED:
        if "send" in request.form:
            api.send_fault_report(report.id)
            flash(_("The report is being sent to the fault contacts."), "success")
        else:
            flash(_("Saved."), "success")
        return redirect(url_for("provider.fault_report", report_id=report.id))
    today = utcnow().astimezone(JST).date()
    return render_template("provider/fault_report.html", report=report, form=form,
                           overdue=fault_reports.report_overdue(report.due_on, report.sent_at is not None, today)
                           ), form_status(form)


@staff_only
def server_remediation(server_id):
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    endpoints = s.execute(select(MonitoredEndpoint).where(MonitoredEndpoint.server_id == server.id)
                          .order_by(MonitoredEndpoint.id)).scalars().all()
    target = request.values.get("target", "")
    current = remediation_config.commands_of(s, server.id).get(target)
    form = RemediationForm(data={"command": shlex.join(current.argv), "timeout_seconds": current.timeout_seconds,
                                 "enabled": current.enabled}
                           if current is not None and request.method == "GET" else None)
    if form.validate_on_submit() and commit_or_show(form, lambda: remediation_config.save_command(
            s, current_user, server, target, {
                "command": form.command.data or "", "timeout_seconds": form.timeout_seconds.data,
                "enabled": form.enabled.data})) is not FAILED:
        flash(_("Saved."), "success")
        return redirect(url_for("provider.server_remediation", server_id=server.id))
    commands = remediation_config.commands_of(s, server.id)
    return render_template("provider/remediation.html", server=server, endpoints=endpoints, commands=commands,
                           form=form, target=target, power=power_settings.power_of(s, server.id)
                           ), form_status(form)
