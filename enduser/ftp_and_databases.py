"""End-user screens for FTP accounts and databases (the issued password is shown once)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from enduser.forms import ActionForm, DatabaseForm, FtpEditForm, FtpForm
from enduser.home import enduser_only
from enduser.hosting import actor, change, enduser_object, me, object_buttons
from tenants.hosting import access
from tenants.hosting import databases as database_rules
from tenants.models import Database, FtpAccount
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, form_status


def _mine(model):
    customer = me()
    return list(db().execute(select(model).where(model.customer_id == customer.id).order_by(model.id)).scalars())


def _box():
    return current_app.extensions["panel.box"]


@enduser_only
def ftp():
    customer = me()
    form = FtpForm()
    if form.validate_on_submit():
        made = change(form, lambda: access.create_ftp(db(), actor(), customer, form.name.data, form.password.data,
                                                      form.directory.data or ""))
        if made is not FAILED:
            flash(_("The FTP user %(name)s was added. It is being set up on the server.", name=made[0].name),
                  "success")
            return redirect(url_for("enduser.ftp"))
    return render_template("enduser/ftp.html", form=form, rows=_mine(FtpAccount), action=ActionForm()), \
        form_status(form)


@enduser_object
def ftp_account(account_id):
    account = get_owned_or_404(db(), FtpAccount, account_id)
    form = FtpEditForm()
    if not form.is_submitted():
        form.directory.data = account.directory
    if form.validate_on_submit():
        customer = me()
        done = change(form, lambda: access.update_ftp(db(), actor(), customer, account, form.password.data or "",
                                                      form.directory.data or ""))
        if done is not FAILED:
            flash(_("Saved. The change is being applied on the server."), "success")
            return redirect(url_for("enduser.ftp"))
    return render_template("enduser/ftp_account.html", form=form, account=account), form_status(form)


@enduser_only
def databases():
    customer = me()
    form = DatabaseForm()
    issued = None
    if form.validate_on_submit():
        made = change(form, lambda: database_rules.create_database(db(), actor(), _box(), customer, form.engine.data,
                                                                   form.name.data, form.user.data or ""))
        if made is not FAILED:
            # Shown in this response only: never flashed (the session cookie is not secret).
            issued = {"database": made[0], "password": made[1]}
            form = DatabaseForm(formdata=None)
    return render_template("enduser/databases.html", form=form, rows=_mine(Database), issued=issued,
                           prefix=database_rules.prefix(customer), action=ActionForm()), form_status(form)


@enduser_object
def database_password(database_id):
    database = get_owned_or_404(db(), Database, database_id)
    form = ActionForm()
    issued = None
    if form.validate_on_submit():
        customer = me()
        made = change(form, lambda: database_rules.new_password(db(), actor(), _box(), customer, database))
        if made is not FAILED:
            issued = {"database": database, "password": made[0]}
    if issued is None:
        return redirect(url_for("enduser.databases"))
    customer = me()
    return render_template("enduser/databases.html", form=DatabaseForm(formdata=None), rows=_mine(Database),
                           issued=issued, prefix=database_rules.prefix(customer), action=ActionForm())


BUTTONS = (
    object_buttons("ftp", FtpAccount, "enduser.ftp", access.delete_ftp, _l("The FTP user is being removed.")) +
    object_buttons("databases", Database, "enduser.databases", database_rules.delete_database,
                   _l("The database and its user are being dropped."))
)
