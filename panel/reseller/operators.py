"""Business panel: the reseller's own operators (its owner adds, disables, resets, changes roles,
clears a lost two-factor login) and the security events of its people. Rules:
tenants/accounts/operators.py and tenants/accounts/team.py."""
from flask import render_template
from flask_login import current_user

from panel.reseller.accounts import operator_only
from panel.reseller.forms import PasswordResetForm
from tenants.accounts import operators as rules
from web import team_pages
from web.auth import client_address
from web.db import db
from web.forms import (
    FAILED,
    RESELLER_ROLES,
    ROLE_NAMES,
    PersonForm,
    commit_or_show,
    form_status,
)


def _operator(session, principal_id):
    """One of the current owner's reseller's operators (404 otherwise)."""
    return rules.operator_login(session, current_user.reseller_id, principal_id)


OPERATORS = team_pages.Team(load=_operator, set_active=rules.set_operator_active,
                            reset_password=rules.reset_operator_password, set_access=rules.set_operator_access,
                            reset_totp=rules.reset_operator_totp, roles=RESELLER_ROLES,
                            password_template="reseller/operator_password.html",
                            reset_template="reseller/operator_reset.html", list_endpoint="reseller.operators")


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
            return team_pages.password_shown_once(OPERATORS, principal, generated, created=True)
    return render_template("reseller/operator_form.html", form=form), form_status(form)


@operator_only
def operator_active(principal_id):
    return team_pages.active_page(OPERATORS, principal_id)


@operator_only
def operator_password(principal_id):
    return team_pages.password_page(OPERATORS, principal_id, PasswordResetForm())


@operator_only
def operator_access(principal_id):
    return team_pages.access_page(OPERATORS, principal_id)


@operator_only
def operator_totp_reset(principal_id):
    return team_pages.totp_reset_page(OPERATORS, principal_id)


@operator_only
def security_events():
    return render_template("reseller/security_events.html", events=rules.security_events(db()))
