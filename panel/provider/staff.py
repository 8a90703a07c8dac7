"""Provider admin: staff logins — list, add, disable/enable, reset a password (rules in
tenants/accounts/staff.py)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from panel.provider.accounts import staff_only
from panel.provider.forms import OperatorForm, StaffPasswordForm
from tenants.accounts import staff as rules
from web.auth import client_address
from web.db import db
from web.forms import FAILED, commit_or_flash, commit_or_show, form_status

NO_STORE = {"Cache-Control": "no-store"}  # a page with a password on it is kept by no cache


@staff_only
def staff():
    return render_template("provider/staff.html", logins=rules.staff_logins(db()))


@staff_only
def staff_new():
    form = OperatorForm()
    if form.validate_on_submit():
        made = commit_or_show(form, lambda: rules.create_staff(
            db(), current_user, form.login_id.data, form.password.data or None,
            display_name=form.display_name.data or "", email=form.email.data or None, address=client_address()))
        if made is not FAILED:
            principal, generated = made
            return render_template("provider/staff_password.html", login=principal, password=generated,
                                   created=True), 200, NO_STORE
    return render_template("provider/staff_form.html", form=form), form_status(form)


@staff_only
def staff_active(principal_id):
    s = db()
    principal = rules.staff_login(s, principal_id)
    active = request.form.get("active") == "1"
    if commit_or_flash(lambda: rules.set_staff_active(s, current_user, principal, active, client_address())) \
            is not FAILED:
        flash(_("%(login)s can log in again.", login=principal.login_id) if active else
              _("%(login)s is disabled and has been logged out everywhere.", login=principal.login_id), "success")
    return redirect(url_for("provider.staff"))


@staff_only
def staff_password(principal_id):
    s = db()
    principal = rules.staff_login(s, principal_id)
    form = StaffPasswordForm()
    if form.validate_on_submit():
        typed = form.password.data or None
        password = commit_or_show(form, lambda: rules.reset_staff_password(
            s, current_user, principal, typed, client_address()))
        if password is not FAILED:
            return render_template("provider/staff_password.html", login=principal,
                                   password=None if typed else password, created=False), 200, NO_STORE
    return render_template("provider/staff_reset.html", form=form, login=principal), form_status(form)
