"""Provider admin: staff logins — list, add, disable/enable, reset a password (rules in
tenants/accounts/staff.py)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from panel.provider.accounts import staff_only
from panel.provider.forms import StaffPasswordForm
from tenants.accounts import staff as rules
from tenants.accounts import totp
from web.auth import client_address
from web.db import db
from web.forms import (
    FAILED,
    ROLE_NAMES,
    STAFF_ROLES,
    AccessForm,
    PersonForm,
    commit_or_flash,
    commit_or_show,
    form_status,
)

NO_STORE = {"Cache-Control": "no-store"}  # a page with a password on it is kept by no cache


@staff_only
def staff():
    s = db()
    return render_template("provider/staff.html", logins=rules.staff_logins(s), roles=STAFF_ROLES,
                           role_names=ROLE_NAMES, totp_required=totp.staff_required(s))


@staff_only
def staff_new():
    form = PersonForm(STAFF_ROLES, "admin")
    if form.validate_on_submit():
        made = commit_or_show(form, lambda: rules.create_staff(
            db(), current_user, form.login_id.data, form.password.data or None, access=form.access.data,
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


@staff_only
def staff_access(principal_id):
    s = db()
    principal = rules.staff_login(s, principal_id)
    form = AccessForm(STAFF_ROLES)
    if not form.validate_on_submit():
        flash(_("Choose one of the roles offered."), "error")
    elif commit_or_flash(lambda: rules.set_staff_access(s, current_user, principal, form.access.data,
                                                        client_address())) is not FAILED:
        flash(_("%(login)s is now %(role)s and has been logged out everywhere.", login=principal.login_id,
                role=ROLE_NAMES[principal.access]), "success")
    return redirect(url_for("provider.staff"))


@staff_only
def staff_totp_reset(principal_id):
    s = db()
    principal = rules.staff_login(s, principal_id)
    if commit_or_flash(lambda: rules.reset_staff_totp(s, current_user, principal, client_address())) is not FAILED:
        flash(_("The two-factor login of %(login)s is cleared; they log in with their password and set it up "
                "again.", login=principal.login_id), "success")
    return redirect(url_for("provider.staff"))


@staff_only
def staff_policy():
    required = request.form.get("staff_totp_required") == "1"
    s = db()
    rules.set_staff_totp_required(s, current_user, required, client_address())
    s.commit()
    flash(_("Two-factor login is now required for all staff.") if required else
          _("Two-factor login is now optional for staff."), "success")
    return redirect(url_for("provider.staff"))
