"""The pages that manage another person's login, shared by the provider's staff page and a
reseller owner's operators page: enable or disable, reset the password (shown once), change the
role, clear a lost two-factor login. Each panel passes its own rules, templates and list page."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from web.auth import client_address
from web.db import db
from web.forms import FAILED, ROLE_NAMES, AccessForm, commit_or_flash, commit_or_show, form_status

NO_STORE = {"Cache-Control": "no-store"}  # a page with a password on it is kept by no cache


@dataclass(frozen=True)
class Team:
    load: Callable            # (session, principal_id) -> the login, 404 when not one of the team
    set_active: Callable      # (session, actor, login, active, address)
    reset_password: Callable  # (session, actor, login, typed or None, address) -> the password
    set_access: Callable      # (session, actor, login, role, address)
    reset_totp: Callable      # (session, actor, login, address)
    roles: tuple              # the roles this panel may give
    password_template: str    # the page showing a password once
    reset_template: str       # the reset form
    list_endpoint: str        # where each action returns to


def password_shown_once(team: Team, login, password, created: bool):
    return render_template(team.password_template, login=login, password=password, created=created), 200, NO_STORE


def active_page(team: Team, principal_id: int):
    s = db()
    login = team.load(s, principal_id)
    active = request.form.get("active") == "1"
    if commit_or_flash(lambda: team.set_active(s, current_user, login, active, client_address())) is not FAILED:
        flash(_("%(login)s can log in again.", login=login.login_id) if active else
              _("%(login)s is disabled and has been logged out everywhere.", login=login.login_id), "success")
    return redirect(url_for(team.list_endpoint))


def password_page(team: Team, principal_id: int, form):
    s = db()
    login = team.load(s, principal_id)
    if form.validate_on_submit():
        typed = form.password.data or None
        password = commit_or_show(form, lambda: team.reset_password(s, current_user, login, typed, client_address()))
        if password is not FAILED:
            return password_shown_once(team, login, None if typed else password, created=False)
    return render_template(team.reset_template, form=form, login=login), form_status(form)


def access_page(team: Team, principal_id: int):
    s = db()
    login = team.load(s, principal_id)
    form = AccessForm(team.roles)
    if not form.validate_on_submit():
        flash(_("Choose one of the roles offered."), "error")
    elif commit_or_flash(lambda: team.set_access(s, current_user, login, form.access.data,
                                                 client_address())) is not FAILED:
        flash(_("%(login)s is now %(role)s and has been logged out everywhere.", login=login.login_id,
                role=ROLE_NAMES[login.access]), "success")
    return redirect(url_for(team.list_endpoint))


def totp_reset_page(team: Team, principal_id: int):
    s = db()
    login = team.load(s, principal_id)
    if commit_or_flash(lambda: team.reset_totp(s, current_user, login, client_address())) is not FAILED:
        flash(_("The two-factor login of %(login)s is cleared; they log in with their password and set it up "
                "again.", login=login.login_id), "success")
    return redirect(url_for(team.list_endpoint))
