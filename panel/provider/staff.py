"""Provider admin: staff logins — list, add, disable/enable, reset a password (rules in
tenants/accounts/staff.py)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from panel.provider.accounts import staff_only
from panel.provider.forms import StaffPasswordForm
from tenants.accounts import staff as rules
from tenants.accounts import totp
from web import team_pages
from web.auth import client_address
from web.db import db
from web.forms import (
    FAILED,
    ROLE_NAMES,
    STAFF_ROLES,
    PersonForm,
    commit_or_show,
    form_status,
)

STAFF = team_pages.Team(load=rules.staff_login, set_active=rules.set_staff_active,
                        reset_password=rules.reset_staff_password, set_access=rules.set_staff_access,
                        reset_totp=rules.reset_staff_totp, roles=STAFF_ROLES,
                        password_template="provider/staff_password.html",
                        reset_template="provider/staff_reset.html", list_endpoint="provider.staff")


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
            return team_pages.password_shown_once(STAFF, principal, generated, created=True)
    return render_template("provider/staff_form.html", form=form), form_status(form)


@staff_only
def staff_active(principal_id):
    return team_pages.active_page(STAFF, principal_id)


@staff_only
def staff_password(principal_id):
    return team_pages.password_page(STAFF, principal_id, StaffPasswordForm())


@staff_only
def staff_access(principal_id):
    return team_pages.access_page(STAFF, principal_id)


@staff_only
def staff_totp_reset(principal_id):
    return team_pages.totp_reset_page(STAFF, principal_id)


@staff_only
def staff_policy():
    required = request.form.get("staff_totp_required") == "1"
    s = db()
    rules.set_staff_totp_required(s, current_user, required, client_address())
    s.commit()
    flash(_("Two-factor login is now required for all staff.") if required else
          _("Two-factor login is now optional for staff."), "success")
    return redirect(url_for("provider.staff"))
