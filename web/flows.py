"""The login, logout and own-account flows every panel shares; each panel supplies its look.

A login with two-factor login on is two steps: the password (login_flow), then a code of the app or
a recovery code (login_code_flow), within LOGIN_CODE_SECONDS; only then does a session open."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tenants.accounts import auth, totp
from tenants.accounts import sessions as login_sessions
from tenants.accounts.rights import Area
from tenants.models import Principal
from tenants.tenancy import get_owned_or_404
from web import rights
from web.auth import client_address, safe_next
from web.db import db, system_session
from web.forms import FAILED, CodeForm, LoginForm, PasswordChangeForm, commit_or_show, form_status

DEVICE_COOKIE = "panel_device"  # this browser's own random name (tenants.auth.is_throttled)
DEVICE_COOKIE_DAYS = 365
PENDING = "login_pending"       # the login whose password was right and whose code is awaited
LOGIN_CODE_SECONDS = 300


def _throttled(form) -> int:
    form.form_errors.append(_("Too many failed logins. Wait 15 minutes and try again, or contact support."))
    return 429


def _finish_login(s, principal: Principal, target: str, device: str, second_factor: str | None = None):
    """Open the session of a login that has proved who it is, and go on to ``target``."""
    address, agent = client_address(), request.headers.get("User-Agent")
    login_sessions.open_session(s, principal, address, agent)
    auth.logged_in(s, principal, address, agent, second_factor)
    s.commit()
    session.clear()
    login_user(principal)
    if principal.locale:
        session["lang"] = principal.locale
    response = redirect(target)
    response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_COOKIE_DAYS * 86400, httponly=True,
                        samesite="Lax", secure=request.is_secure)
    return response


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
            principal = outcome.principal
            if principal is not None and totp.enabled(principal):  # the password was right: now the code
                session.clear()
                session[PENDING] = {"id": principal.id, "role": principal.role, "at": int(time.time()),
                                    "next": safe_next(home), "device": device}
                return redirect(url_for(f"{request.blueprint}.login_code"))
            if principal is not None:
                return _finish_login(s, principal, safe_next(home), device)
        finally:
            s.close()
        if outcome.throttled:
            status = _throttled(form)
        else:
            form.form_errors.append(_("The login ID or password is not correct."))
    forgot = url_for(f"{request.blueprint}.password_forgot")
    return render_template(template, form=form, reseller=reseller, forgot_url=forgot, **context), status


def login_code_flow(role, template: str, reseller=None, **context):
    """The second step: a code of the authenticator app, or one of the recovery codes."""
    pending = session.get(PENDING)
    if not pending or pending.get("role") != role.value or time.time() - pending.get("at", 0) > LOGIN_CODE_SECONDS:
        session.pop(PENDING, None)
        flash(_("Log in again: the time for the code has run out."), "info")
        return redirect(url_for(f"{request.blueprint}.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        s = system_session()
        try:
            principal = s.get(Principal, pending["id"])
            if principal is None or not login_sessions.may_log_in(principal) or (
                    reseller is not None and principal.reseller_id != reseller.id):
                session.pop(PENDING, None)
                return redirect(url_for(f"{request.blueprint}.login"))
            address, device = client_address(), pending.get("device")
            if auth.is_throttled(s, principal.realm, principal.login_id, address, device):
                auth.security_event(s, "auth.login_throttled", principal.role, principal.login_id, principal, address,
                                    "login refused: too many failed codes")
                s.commit()
                status = _throttled(form)
            else:
                how = totp.check_second_factor(s, current_app.extensions["panel.box"], principal, form.code.data)
                auth.record_attempt(s, principal.realm, principal.login_id, address, device, how is not None)
                if how is not None:
                    if how == "recovery":
                        auth.security_event(s, "auth.recovery_code_used", principal.role, principal.login_id, principal,
                                            address, f"used a recovery code ({totp.unused_recovery_codes(s, principal)} left)")
                    return _finish_login(s, principal, pending.get("next") or "/", device, how)
                auth.security_event(s, "auth.2fa_failed", principal.role, principal.login_id, principal, address,
                                    "failed login: wrong or already used two-factor code")
                s.commit()
                form.code.errors = [_("The code is not correct, or it has been used already.")]
                status = 400
        finally:
            s.close()
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
    """A panel's account pages, to list in its URL table (``rules()``)."""
    login: Callable
    logout: Callable
    password: Callable
    login_code: Callable
    password_forgot: Callable
    password_reset: Callable
    account: Callable
    session_end: Callable
    sessions_end_all: Callable
    two_factor: Callable
    two_factor_off: Callable
    recovery_codes: Callable

    def rules(self, login_path: str = "/login") -> list[tuple]:
        return rights.area(None, [
            (login_path, self.login, ["GET", "POST"]),
            ("/login/code", self.login_code, ["GET", "POST"]),
            ("/password/forgot", self.password_forgot, ["GET", "POST"]),
            ("/password/reset/<token>", self.password_reset, ["GET", "POST"]),
        ]) + rights.area(Area.ACCOUNT, [
            ("/logout", self.logout, ["POST"]),
            ("/password", self.password, ["GET", "POST"]),
            ("/account", self.account),
            ("/account/sessions/<int:session_id>/end", self.session_end, ["POST"]),
            ("/account/sessions/end-all", self.sessions_end_all, ["POST"]),
            ("/account/two-factor", self.two_factor, ["GET", "POST"]),
            ("/account/two-factor/off", self.two_factor_off, ["POST"]),
            ("/account/two-factor/recovery-codes", self.recovery_codes, ["POST"]),
        ])

    def replace(self, **views) -> AccountViews:
        return AccountViews(**({f.name: getattr(self, f.name) for f in fields(self)} | views))


def account_views(panel: str, role, guard, layout: str, heading, subheading, issuer=None,
                  id_guard=None) -> AccountViews:
    """The account pages of one panel (blueprint ``panel``, whose home is ``<panel>.dashboard``);
    ``heading`` and ``subheading`` are lazy strings; ``issuer()`` names the site in the
    authenticator app (default: the provider's name)."""
    from web import account_pages, password_reset

    home = f"{panel}.dashboard"

    def login():
        return login_flow(role, "login.html", url_for(home), layout=layout, heading=heading, subheading=subheading)

    def login_code():
        return login_code_flow(role, "login_code.html", layout=layout, heading=heading)

    @login_required
    def logout():
        return logout_flow(url_for(f"{panel}.login"))

    @guard
    def password():
        return password_flow("password.html", url_for(f"{panel}.account"), layout=layout)

    pages = account_pages.views(panel, guard, layout, issuer, id_guard)
    resets = password_reset.views(panel, role, layout, heading)
    return AccountViews(login=login, logout=logout, password=password, login_code=login_code, **resets, **pages)


def register(bp, rules, *, context=(), before=(), filters=()) -> None:
    """A blueprint's URL table: (rule, view[, methods[, need]]); each view's endpoint is its name.
    ``need`` (web/rights.area) is the area whose rights the page needs. ``context`` lists the
    template context processors of its pages, ``before`` the hooks run before each request,
    ``filters`` the template filters its pages use (each under its function's name)."""
    for rule, view, *rest in rules:
        bp.add_url_rule(rule, view.__name__, view, methods=rest[0] if rest else ["GET"])
        rights.note(f"{bp.name}.{view.__name__}", rest[1] if len(rest) > 1 else None)
    for processor in context:
        bp.app_context_processor(processor)
    for hook in before:
        bp.before_request(hook)
    for template_filter in filters:
        bp.app_template_filter(template_filter.__name__)(template_filter)
