"""Business panel: the reseller's own operators (its owner adds, disables, resets, changes roles,
clears a lost two-factor login) and the security events of its people. Rules:
tenants/accounts/operators.py and tenants/accounts/team.py."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from panel.reseller.accounts import operator_only
from panel.reseller.forms import PasswordResetForm
from tenants.accounts import operators as rules
from web.auth import client_address
from web.db import db
from web.forms import (
    FAILED,
    RESELLER_ROLES,
    ROLE_NAMES,
    AccessForm,
    PersonForm,
    commit_or_flash,
    commit_or_show,
    form_status,
)

NO_STORE = {"Cache-Control": "no-store"}  # a page with a password on it is kept by no cache


def _operator(principal_id):
    return rules.operator_login(db(), current_user.reseller_id, principal_id)


@operator_only
def operators():
    return render_template("reseller/operators.html", logins=rules.operators_of(db(), current_user.reseller_id),
                           roles=RESELLER_ROLES, role_names=ROLE_NAMES)


@operator_only
def operator_new():
    form = PersonForm(RESELLER_ROLES, "operator")
    if form.validate_on_submit():
        made = commit_or_show(form, lambda: rules.add_operator(
            db(), current_user, current_user.reseller_id, form.login_id.data, form.password.data or None,
            access=form.access.data, display_name=form.display_name.data or "", email=form.email.data or None,
            address=client_address()))
        if made is not FAILED:
            principal, generated = made
            return render_template("reseller/operator_password.html", login=principal, password=generated,
                                   created=True), 200, NO_STORE
    return render_template("reseller/operator_form.html", form=form), form_status(form)


@operator_only
def operator_active(principal_id):
    s = db()
    principal = _operator(principal_id)
    active = request.form.get("active") == "1"
    if commit_or_flash(lambda: rules.set_operator_active(s, current_user, principal, active, client_address())) \
            is not FAILED:
        flash(_("%(login)s can log in again.", login=principal.login_id) if active else
              _("%(login)s is disabled and has been logged out everywhere.", login=principal.login_id), "success")
    return redirect(url_for("reseller.operators"))


@operator_only
def operator_password(principal_id):
    s = db()
    principal = _operator(principal_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        typed = form.password.data or None
        password = commit_or_show(form, lambda: rules.reset_operator_password(
            s, current_user, principal, typed, client_address()))
        if password is not FAILED:
            return render_template("reseller/operator_password.html", login=principal,
                                   password=None if typed else password, created=False), 200, NO_STORE
    return render_template("reseller/operator_reset.html", form=form, login=principal), form_status(form)


@operator_only
def operator_access(principal_id):
    s = db()
    principal = _operator(principal_id)
    form = AccessForm(RESELLER_ROLES)
    if not form.validate_on_submit():
        flash(_("Choose one of the roles offered."), "error")
    elif commit_or_flash(lambda: rules.set_operator_access(s, current_user, principal, form.access.data,
                                                           client_address())) is not FAILED:
        flash(_("%(login)s is now %(role)s and has been logged out everywhere.", login=principal.login_id,
                role=ROLE_NAMES[principal.access]), "success")
    return redirect(url_for("reseller.operators"))


@operator_only
def operator_totp_reset(principal_id):
    s = db()
    principal = _operator(principal_id)
    if commit_or_flash(lambda: rules.reset_operator_totp(s, current_user, principal, client_address())) \
            is not FAILED:
        flash(_("The two-factor login of %(login)s is cleared; they log in with their password and set it up "
                "again.", login=principal.login_id), "success")
    return redirect(url_for("reseller.operators"))


@operator_only
def security_events():
    return render_template("reseller/security_events.html", events=rules.security_events(db()))
