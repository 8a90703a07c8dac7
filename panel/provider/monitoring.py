"""Provider admin: the monitoring board (every server × service, failing first) and each server's
monitored endpoints, pause/resume, maintenance windows and resource thresholds."""
from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from panel.provider.accounts import staff_only
from panel.provider.forms import EndpointForm, MaintenanceForm, ThresholdsForm
from tenants.calendar import JST
from tenants.db import utcnow
from tenants.errors import NotFound
from tenants.models import MaintenanceWindow, MonitoredEndpoint, ResourceStatus, Server, StateEvent
from tenants.monitoring import endpoints as rules
from tenants.monitoring.reports import board_rows, board_statement, failing_count, status_board
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show
from web.paging import paginate


@staff_only
def monitoring():
    s = db()
    page = paginate(s, board_statement(), rows=True)
    unmonitored = s.execute(select(Server).where(~Server.id.in_(select(MonitoredEndpoint.server_id)))
                            .order_by(Server.hostname)).scalars().all()
    return render_template("provider/monitoring.html", rows=board_rows(page.items), page=page,
                           unmonitored=unmonitored, failing=failing_count(s))


def _endpoint_data(form: EndpointForm) -> dict:
    return {name: form[name].data for name in rules.ENDPOINT_FIELDS}


def _page(s, server, endpoint_form=None, editing=None, maintenance_form=None, thresholds_form=None, status=200):
    endpoints = s.execute(select(MonitoredEndpoint).where(MonitoredEndpoint.server_id == server.id)
                          .order_by(MonitoredEndpoint.protocol, MonitoredEndpoint.port)).scalars().all()
    if thresholds_form is None:
        thresholds_form = ThresholdsForm(obj=rules.thresholds_for(s, server.id), formdata=None)
    return render_template(
        "provider/monitoring_server.html", server=server, endpoints=endpoints,
        rows={r["endpoint"].id: r for r in status_board(s, [server.id])},
        endpoint_form=endpoint_form or EndpointForm(formdata=None), editing=editing,
        maintenance_form=maintenance_form or MaintenanceForm(formdata=None), thresholds_form=thresholds_form,
        windows=s.execute(select(MaintenanceWindow).where(MaintenanceWindow.server_id == server.id,
                                                          MaintenanceWindow.ends_at > utcnow() - timedelta(days=30))
                          .order_by(MaintenanceWindow.starts_at.desc())).scalars().all(),
        resources=s.execute(select(ResourceStatus).where(ResourceStatus.server_id == server.id)
                            .order_by(ResourceStatus.over.desc(), ResourceStatus.metric)).scalars().all(),
        events=s.execute(select(StateEvent).where(StateEvent.server_id == server.id)
                         .order_by(StateEvent.at.desc(), StateEvent.id.desc()).limit(50)).scalars().all(),
    ), status


@staff_only
def monitoring_server(server_id):
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    editing = None
    if request.args.get("edit"):
        editing = s.execute(select(MonitoredEndpoint).where(
            MonitoredEndpoint.server_id == server.id, MonitoredEndpoint.id == request.args.get("edit", type=int))
        ).scalar_one_or_none()
    form = EndpointForm(obj=editing, formdata=None) if editing else None
    return _page(s, server, form, editing)


def _of_server(s, server, model, row_id):
    """A row (endpoint, maintenance window) of this server: 404 for a row of another server."""
    row = get_owned_or_404(s, model, row_id)
    if row.server_id != server.id:
        raise NotFound(model.__name__)
    return row


def _endpoint_of(s, server, endpoint_id):
    return _of_server(s, server, MonitoredEndpoint, endpoint_id)


def _save(server_id, endpoint_id=None):
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    endpoint = _endpoint_of(s, server, endpoint_id) if endpoint_id else None
    form = EndpointForm()
    if form.validate_on_submit():
        password = "" if form.clear_password.data else (form.password.data or None)
        if commit_or_show(form, lambda: rules.save_endpoint(
                s, current_user, server, _endpoint_data(form), current_app.extensions["panel.box"],
                endpoint, password)) is not FAILED:
            flash(_("Saved."), "success")
            return redirect(url_for("provider.monitoring_server", server_id=server.id))
    return _page(s, server, form, endpoint, status=400)


@staff_only
def monitoring_endpoint_add(server_id):
    return _save(server_id)


@staff_only
def monitoring_endpoint_edit(server_id, endpoint_id):
    return _save(server_id, endpoint_id)


@staff_only
def monitoring_endpoint_pause(server_id, endpoint_id):
    s = db()
    endpoint = _endpoint_of(s, get_owned_or_404(s, Server, server_id), endpoint_id)
    rules.set_paused(s, current_user, endpoint, not endpoint.paused)
    s.commit()
    flash(_("Paused.") if endpoint.paused else _("Resumed."), "success")
    return redirect(url_for("provider.monitoring_server", server_id=server_id))


@staff_only
def monitoring_endpoint_delete(server_id, endpoint_id):
    s = db()
    endpoint = _endpoint_of(s, get_owned_or_404(s, Server, server_id), endpoint_id)
    rules.delete_endpoint(s, current_user, endpoint)
    s.commit()
    flash(_("Deleted."), "success")
    return redirect(url_for("provider.monitoring_server", server_id=server_id))


@staff_only
def monitoring_defaults(server_id):
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    made = rules.ensure_default_endpoints(s, current_user, server)
    s.commit()
    flash(_("%(n)s endpoints added.", n=len(made)), "success")
    return redirect(url_for("provider.monitoring_server", server_id=server.id))


@staff_only
def monitoring_maintenance(server_id):
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    form = MaintenanceForm()
    if form.validate_on_submit() and commit_or_show(form, lambda: rules.add_maintenance(
            s, current_user, server, form.starts_at.data.replace(tzinfo=JST),
            form.ends_at.data.replace(tzinfo=JST), form.note.data)) is not FAILED:
        flash(_("Maintenance window added."), "success")
        return redirect(url_for("provider.monitoring_server", server_id=server.id))
    return _page(s, server, maintenance_form=form, status=400)


@staff_only
def monitoring_maintenance_delete(server_id, window_id):
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    window = _of_server(s, server, MaintenanceWindow, window_id)
    rules.delete_maintenance(s, current_user, window)
    s.commit()
    flash(_("Maintenance window deleted."), "success")
    return redirect(url_for("provider.monitoring_server", server_id=server.id))


@staff_only
def monitoring_thresholds(server_id):
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    form = ThresholdsForm()
    if form.validate_on_submit():
        data = {name: form[name].data for name in ("disk_percent", "inode_percent", "memory_percent",
                                                   "contract_monitoring", "file_count_limit",
                                                   "db_size_limit_bytes", "limit_percent")}
        if commit_or_show(form, lambda: rules.save_thresholds(s, current_user, server, data)) is not FAILED:
            flash(_("Saved."), "success")
            return redirect(url_for("provider.monitoring_server", server_id=server.id))
    return _page(s, server, thresholds_form=form, status=400)
