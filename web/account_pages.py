"""One's own account, in every panel: the open sessions (end one, or log out everywhere) and
two-factor login (set up, set up again, new recovery codes, turn off). Rules:
tenants/accounts/sessions.py and tenants/accounts/totp.py."""
from __future__ import annotations

import segno
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from markupsafe import Markup

from tenants import audit
from tenants.accounts import sessions as login_sessions
from tenants.accounts import totp
from tenants.models import Principal
from tenants.tenancy import get_owned_or_404
from web.auth import client_address
from web.db import db
from web.forms import FAILED, CodeForm, PasswordCheckForm, commit_or_show, form_status

NO_STORE = {"Cache-Control": "no-store"}


def _me():
    return get_owned_or_404(db(), Principal, current_user.id)


def qr_svg(text: str) -> Markup:
    """A QR code as inline SVG, drawn here (segno): nothing is sent to another service."""
    return Markup(segno.make(text, error="m").svg_inline(scale=5, light="#fff", omitsize=False))


def views(panel: str, guard, layout: str, issuer=None, id_guard=None) -> dict:
    """The pages behind ``guard``; the one naming a session by id behind ``id_guard`` (the end-user
    panel answers 404 there to anyone but its end users, as for every id it takes)."""
    def page(template: str, status: int = 200, headers=None, **context):
        return render_template(template, layout=layout, panel=panel, **context), status, headers or {}

    @guard
    def account():
        s = db()
        me = _me()
        return page("account.html", sessions=login_sessions.sessions_of(s, me.id), me=me,
                    current=lambda row: login_sessions.is_current(row, current_user.session_token),
                    totp_on=totp.enabled(me), totp_required=totp.required(s, me),
                    codes_left=totp.unused_recovery_codes(s, me) if totp.enabled(me) else 0)

    @(id_guard or guard)
    def session_end(session_id):
        s = db()
        ended = login_sessions.end_own_session(s, current_user.id, session_id)
        audit.record(s, current_user, "auth.session_end", summary="ended one of own sessions",
                     address=client_address(), details={"session_address": ended.address})
        s.commit()
        if login_sessions.is_current(ended, current_user.session_token):
            logout_user()
            session.clear()
            return redirect(url_for(f"{panel}.login"))
        flash(_("That session has ended."), "success")
        return redirect(url_for(f"{panel}.account"))

    @guard
    def sessions_end_all():
        s = db()
        login_sessions.end_sessions_of(s, current_user.id)
        audit.record(s, current_user, "auth.logout_everywhere", summary="logged out everywhere",
                     address=client_address())
        s.commit()
        logout_user()
        session.clear()
        flash(_("You have been logged out everywhere."), "info")
        return redirect(url_for(f"{panel}.login"))

    @guard
    def two_factor():
        s = db()
        me = _me()
        box = current_app.extensions["panel.box"]
        form = CodeForm()
        if request.method == "POST" and request.form.get("start"):
            totp.begin_enrolment(s, box, me)
            s.commit()
            return redirect(url_for(f"{panel}.two_factor"))
        if not totp.enabled(me) and me.totp_pending is None:
            totp.begin_enrolment(s, box, me)
            s.commit()
        if form.validate_on_submit():
            codes = commit_or_show(form, lambda: totp.confirm_enrolment(s, box, me, form.code.data,
                                                                        address=client_address()))
            if codes is not FAILED:
                return page("recovery_codes.html", codes=codes, headers=NO_STORE)
        secret = totp.pending_secret(box, me)
        uri = totp.provisioning_uri(secret, me.login_id, issuer() if issuer else current_app.config[
            "SETTINGS"].provider_name) if secret else None
        return page("two_factor.html", form_status(form), NO_STORE, form=form, me=me, secret=secret,
                    qr=qr_svg(uri) if uri else None, totp_on=totp.enabled(me),
                    totp_required=totp.required(s, me), off_form=PasswordCheckForm(formdata=None))

    @guard
    def two_factor_off():
        s = db()
        me = _me()
        off_form = PasswordCheckForm()
        if off_form.validate_on_submit() and commit_or_show(off_form, lambda: totp.turn_off(
                s, me, off_form.password.data, address=client_address())) is not FAILED:
            flash(_("Two-factor login is off."), "success")
            return redirect(url_for(f"{panel}.account"))
        for error in off_form.password.errors:  # a refusal without a field was flashed already
            flash(error, "error")
        return redirect(url_for(f"{panel}.two_factor"))

    @guard
    def recovery_codes():
        s = db()
        me = _me()
        form = PasswordCheckForm()
        if form.validate_on_submit():
            from tenants.accounts.passwords import verify_password

            if not totp.enabled(me):
                return redirect(url_for(f"{panel}.two_factor"))
            if verify_password(me.password_hash, form.password.data):
                codes = totp.new_recovery_codes(s, me)
                audit.record(s, current_user, "auth.recovery_codes", summary="made new recovery codes",
                             address=client_address())
                s.commit()
                return page("recovery_codes.html", codes=codes, headers=NO_STORE)
        flash(_("The password is not correct."), "error")
        return redirect(url_for(f"{panel}.two_factor"))

    return {"account": account, "session_end": session_end, "sessions_end_all": sessions_end_all,
            "two_factor": two_factor, "two_factor_off": two_factor_off, "recovery_codes": recovery_codes}
