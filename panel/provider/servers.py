"""Provider admin: registering servers, assigning them to resellers, their power settings (level 2),
and the changes of end users a server could not apply (with the tools' own output, which only the
provider reads)."""
import shlex

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from panel.provider.accounts import staff_only
from panel.provider.forms import PowerForm, ServerForm
from tenants.hosting import moves
from tenants.hosting.failures import failed_on_server
from tenants.hosting.zone_template import DEFAULT_TEMPLATE
from tenants.incidents.deadlines import MAX_POWER_CYCLES
from tenants.models import Reseller, Server, ServerAssignment
from tenants.servers import power as power_settings
from tenants.servers import rules
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show, form_status


def _server_form(s, server: Server | None = None) -> ServerForm:
    form = ServerForm(obj=server)
    form.resellers.choices = [SelectChoice(r.id, f"{r.code} — {r.name}") for r in
                              s.execute(select(Reseller).order_by(Reseller.code)).scalars()]
    if server is not None and not form.is_submitted():
        form.resellers.data = [a.reseller_id for a in server.assignments]
    if not form.is_submitted() and not form.zone_template.data:
        form.zone_template.data = DEFAULT_TEMPLATE  # the template new domains get until the provider edits it
    return form


def _server_data(form: ServerForm) -> dict:
    return {name: form[name].data for name in rules.SERVER_FIELDS}


@staff_only
def servers():
    s = db()
    rows = s.execute(select(Server).options(selectinload(Server.assignments).selectinload(ServerAssignment.reseller))
                     .order_by(Server.hostname)).scalars().all()
    return render_template("provider/servers.html", servers=rows, moves=moves.recent_moves(s),
                           step_labels=moves.STEP_LABELS)


@staff_only
def server_failures(server_id):
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    return render_template("provider/server_failures.html", server=server, rows=failed_on_server(s, server.id))


@staff_only
def server_new():
    s = db()
    form = _server_form(s)
    if form.validate_on_submit():
        def register():
            created = rules.register_server(s, current_user, _server_data(form))
            rules.assign_resellers(s, current_user, created, set(form.resellers.data or []))
            return created

        server = commit_or_show(form, register)
        if server is not FAILED:
            flash(_("Server %(host)s registered. Now set how the panel reaches it.", host=server.hostname),
                  "success")
            return redirect(url_for("provider.server_connection", server_id=server.id))
    return render_template("provider/server_form.html", form=form, server=None), form_status(form)


@staff_only
def server_edit(server_id):
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    form = _server_form(s, server)
    if form.validate_on_submit():
        def update():
            rules.update_server(s, current_user, server, _server_data(form))
            rules.assign_resellers(s, current_user, server, set(form.resellers.data or []))

        if commit_or_show(form, update) is not FAILED:
            flash(_("Saved."), "success")
            return redirect(url_for("provider.servers"))
    return render_template("provider/server_form.html", form=form, server=server), form_status(form)


@staff_only
def server_power(server_id):
    """The server's power driver: IPMI (the password write-only: never shown, blank keeps it) or a
    command; any bad field comes back beside it and nothing is saved."""
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    power = power_settings.power_of(s, server.id)
    form = PowerForm(data=None if power is None else {
        "power_driver": power.power_driver, "ipmi_host": power.ipmi_host, "ipmi_port": str(power.ipmi_port),
        "ipmi_user": power.ipmi_user, "cycle_command": shlex.join(power.cycle_argv),
        "status_command": shlex.join(power.status_argv), "timeout_seconds": f"{power.timeout_seconds:g}",
        "grace_minutes": str(power.grace_minutes)})
    if form.validate_on_submit() and commit_or_show(form, lambda: power_settings.save_power(
            s, current_user, current_app.extensions["panel.box"], server,
            {name: form[name].data for name in power_settings.POWER_FIELDS})) is not FAILED:
        flash(_("Saved."), "success")
        return redirect(url_for("provider.server_power", server_id=server.id))
    form.ipmi_password.data = ""  # write-only: never sent back, not even as typed
    return render_template("provider/server_power.html", server=server, form=form, max_cycles=MAX_POWER_CYCLES,
                           power=power_settings.power_of(s, server.id),
                           password_stored=bool(power and power.power_config_secret)), form_status(form)
