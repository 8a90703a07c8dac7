"""Provider admin: how the panel reaches a server — its connection settings, its SSH key (generated
or uploaded, never shown again), "Test connection" with the host key to confirm and pin, and
retiring a server (refused while customers are on it). The rules are in tenants/servers/; the
test runs through workers.api."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

import workers.api
from panel.provider.accounts import staff_only
from panel.provider.forms import ConnectionForm, PinForm, SshKeyForm
from tenants.errors import N_
from tenants.models import Server
from tenants.servers import connection, rules
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_flash, commit_or_show, form_status

# what a failed test says beside the setting it is about (the transport's own reason follows)
TEST_PROBLEMS = {
    "address": N_("Nothing answers there: %(reason)s"),
    "ssh_key": N_("The server does not accept the panel's key: %(reason)s"),
    "host_key": N_("The host key is not confirmed: %(reason)s"),
}


def _box():
    return current_app.extensions["panel.box"]


def _authorized_line(server: Server) -> str | None:
    if not server.ssh_public_key:
        return None
    address = current_app.config["SETTINGS"].ssh_from_address or "<panel address>"
    return connection.authorized_keys_line(server, address)


def _connection_page(server: Server, form: ConnectionForm, key_form: SshKeyForm, status: int = 200):
    return render_template("provider/server_connection.html", server=server, form=form, key_form=key_form,
                           stored=connection.stored_secrets(_box(), server),
                           authorized_line=_authorized_line(server)), status


@staff_only
def server_connection(server_id):
    """The connection settings: any bad field comes back beside it and nothing is saved; the
    passwords are write-only (never sent back, an empty field keeps the stored one)."""
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    form = ConnectionForm(data=None if request.method == "POST" else connection.connection_values(_box(), server))
    if form.validate_on_submit() and commit_or_show(form, lambda: connection.apply_connection(
            s, current_user, server, _box(), {name: form[name].data or "" for name in CONNECTION_FIELDS})) \
            is not FAILED:
        flash(_("Saved."), "success")
        return redirect(url_for("provider.server_connection", server_id=server.id))
    form.mariadb_password.data = form.postgresql_password.data = ""  # write-only: never sent back
    return _connection_page(server, form, SshKeyForm(formdata=None), form_status(form))


CONNECTION_FIELDS = ("ssh_port", "ssh_user", *connection.PATH_FIELDS, *connection.HOSTING_FIELDS,
                     *connection.RELOAD_FIELDS,
                     *(f"{e}_{part}" for e in connection.DB_ENGINES for part in ("user", "password")))


@staff_only
def server_key(server_id):
    """Generate the server's ed25519 key pair, or upload a private key; the private key is sealed and
    never shown again, the public line is shown to paste into the server's authorized_keys."""
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    key_form = SshKeyForm()
    if key_form.validate_on_submit():
        pem = (key_form.ssh_private_key.data or "").strip()
        made = commit_or_show(key_form, lambda: connection.upload_server_key(
            s, current_user, server, _box(), pem + "\n") if pem else connection.generate_server_key(
            s, current_user, server, _box()))
        if made is not FAILED:
            flash(_("The server's SSH key is stored. Paste the line below into the server's authorized_keys."),
                  "success")
            return redirect(url_for("provider.server_connection", server_id=server.id))
    key_form.ssh_private_key.data = ""  # write-only, not even as pasted
    form = ConnectionForm(formdata=None, data=connection.connection_values(_box(), server))
    return _connection_page(server, form, key_form, form_status(key_form))


@staff_only
def server_test(server_id):
    """"Test connection", before anything is applied: the host key the server presents (pinned only
    when the provider confirms its fingerprint), the OS and which tools are present or missing. A
    failure is shown beside the setting it is about; a test changes nothing."""
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    report, problems, status = None, {}, 200
    if FlaskForm().validate_on_submit():
        report = workers.api.test_connection(server, _box())
        if report["error"]:
            field = report["field"] or "address"
            problems[field] = _(TEST_PROBLEMS[field], reason=report["error"])
            status = 400 if field != "host_key" or server.host_key else 200
    pin = PinForm(formdata=None, data={"host_key": report["host_key"]}) if report and report["host_key"] \
        and not report["host_key_matches"] else None
    return render_template("provider/server_test.html", server=server, report=report, problems=problems, pin=pin,
                           authorized_line=_authorized_line(server)), status


@staff_only
def server_pin(server_id):
    """Pin the host key whose fingerprint the provider confirmed on the test page."""
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    form = PinForm()
    if form.validate_on_submit():
        pinned = commit_or_flash(lambda: connection.pin_host_key(s, current_user, server, form.host_key.data))
        if pinned is not FAILED:
            flash(_("Host key %(fingerprint)s pinned.", fingerprint=pinned), "success")
    return redirect(url_for("provider.server_test", server_id=server.id))


@staff_only
def server_retire(server_id):
    """Retire a server: refused, naming them, while customers are on it."""
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    if FlaskForm().validate_on_submit():
        if commit_or_flash(lambda: rules.retire_server(s, current_user, server)) is not FAILED:
            flash(_("Server %(host)s retired.", host=server.hostname), "success")
    return redirect(url_for("provider.servers"))

