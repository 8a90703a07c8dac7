"""The login, logout and own-password flows every panel shares; each panel supplies its look."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tenants.accounts import auth
from tenants.accounts import sessions as login_sessions
from tenants.models import Principal
from tenants.tenancy import get_owned_or_404
from web.auth import client_address, safe_next
from web.db import db, system_session
from web.forms import FAILED, LoginForm, PasswordChangeForm, commit_or_show, form_status

DEVICE_COOKIE = "panel_device"  # this browser's own random name (tenants.auth.is_throttled)
DEVICE_COOKIE_DAYS = 365


def login_flow(role, template: str, home: str, reseller=None, **context):
    form = LoginForm()
    status = 200
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        device = request.cookies.get(DEVICE_COOKIE) or auth.new_device_id()
        s = system_session()
        try:
            outcome = auth.authenticate(s, role, form.login_id.data, form.password.data,
                                        client_address(), reseller=reseller, device=device)
            if outcome.principal is not None:
                login_sessions.open_session(s, outcome.principal, client_address(),
                                            request.headers.get("User-Agent"))
                s.commit()
        finally:
            s.close()
        if outcome.throttled:
            status = 429
            form.form_errors.append(_("Too many failed logins. Wait 15 minutes and try again, "
                                      "or contact support."))
        elif outcome.principal is None:
            form.form_errors.append(_("The login ID or password is not correct."))
        else:
            session.clear()
            login_user(outcome.principal)
            if outcome.principal.locale:
                session["lang"] = outcome.principal.locale
            response = redirect(safe_next(home))
            response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_COOKIE_DAYS * 86400, httponly=True,
                                samesite="Lax", secure=request.is_secure)
            return response
    return render_template(template, form=form, reseller=reseller, **context), status


def logout_flow(login_url: str):
    """Logout ends the session on the server: the old cookie opens nothing afterwards."""
    token = getattr(current_user, "session_token", None)
    if token:
        s = system_session()
        try:
            login_sessions.end_session(s, token)
            s.commit()
        finally:
            s.close()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(login_url)


def password_flow(template: str, done_url: str, **context):
    form = PasswordChangeForm()
    if form.validate_on_submit():
        s = db()
        principal = get_owned_or_404(s, Principal, current_user.id)
        if commit_or_show(form, lambda: auth.change_own_password(
                s, principal, form.current_password.data, form.new_password.data, form.confirm_password.data,
                address=client_address(), keep_token=current_user.session_token)) is not FAILED:
            # This session stays logged in; every other session of this login has ended.
            flash(_("Your password has been changed. Other sessions have been logged out."), "success")
            return redirect(done_url)
    return render_template(template, form=form, **context), form_status(form)


@dataclass(frozen=True)
class AccountViews:
    """A panel's account pages, to list in its URL table as ``login``, ``logout`` and ``password``."""
    login: Callable
    logout: Callable
    password: Callable

    def rules(self) -> list[tuple]:
        return [("/login", self.login, ["GET", "POST"]), ("/logout", self.logout, ["POST"]),
                ("/password", self.password, ["GET", "POST"])]


def account_views(panel: str, role, guard, layout: str, heading, subheading) -> AccountViews:
    """The login, logout and own-password pages of one panel (blueprint ``panel``, whose home is
    ``<panel>.dashboard``); ``heading`` and ``subheading`` are lazy strings."""
    home = f"{panel}.dashboard"

    def login():
        return login_flow(role, "login.html", url_for(home), layout=layout, heading=heading, subheading=subheading)

    @login_required
    def logout():
        return logout_flow(url_for(f"{panel}.login"))

    @guard
    def password():
        return password_flow("password.html", url_for(home), layout=layout)

    return AccountViews(login, logout, password)


def register(bp, rules, *, context=(), before=(), filters=()) -> None:
    """A blueprint's URL table: (rule, view[, methods]); each view's endpoint is its name. ``context``
    lists the template context processors of its pages, ``before`` the hooks run before each request,
    ``filters`` the template filters its pages use (each under its function's name)."""
    for rule, view, *methods in rules:
        bp.add_url_rule(rule, view.__name__, view, methods=methods[0] if methods else ["GET"])
    for processor in context:
        bp.app_context_processor(processor)
    for hook in before:
        bp.before_request(hook)
    for template_filter in filters:
        bp.app_template_filter(template_filter.__name__)(template_filter)
