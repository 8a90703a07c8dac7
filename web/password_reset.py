"""Forgotten passwords, in every panel: ask for a link by e-mail address (the answer never says
whether a login has it), then set a new password from the link. Rules: tenants/accounts/resets.py;
the mail is looked up and sent by a job (workers/api.mail_password_reset)."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from redis.exceptions import RedisError

from tenants.accounts import resets
from tenants.accounts.models import realm_for
from web.auth import client_address
from web.db import system_session
from web.forms import FAILED, ForgotForm, NewPasswordForm, commit_or_show, form_status

NO_STORE = {"Cache-Control": "no-store"}


def _link_template(panel: str) -> str:
    """The address of the reset page with the token's place marked, for the job to fill in: on the
    configured PUBLIC_URL, an end user's on its reseller's own host name when it has one."""
    from workers.jobs.accounts import TOKEN_MARK

    path = url_for(f"{panel}.password_reset", token=TOKEN_MARK)
    reseller = g.get("reseller") if panel == "enduser" else None
    if reseller is not None and reseller.panel_host:
        return f"{request.scheme}://{reseller.panel_host}{path}"
    public = current_app.config["SETTINGS"].public_url
    return f"{public.rstrip('/')}{path}" if public else f"{request.host_url.rstrip('/')}{path}"


def views(panel: str, role, layout: str, heading) -> dict:
    def realm() -> str:
        reseller = g.get("reseller") if panel == "enduser" else None
        return realm_for(role, reseller.id if reseller else None)

    def page(template: str, status: int = 200, **context):
        return render_template(template, layout=layout, panel=panel, heading=heading, **context), status, NO_STORE

    def password_forgot():
        form = ForgotForm()
        if form.validate_on_submit():
            email = (form.email.data or "").strip().lower()
            s = system_session()
            try:
                allowed = resets.note_request(s, realm(), email, client_address())
                s.commit()
            finally:
                s.close()
            if not allowed:
                form.form_errors.append(_("Too many requests. Wait 15 minutes and try again."))
                return page("password_forgot.html", 429, form=form)
            from workers import api

            try:
                api.mail_password_reset(realm(), email, _link_template(panel), current_app.config["SETTINGS"].provider_name)
            except RedisError:
                form.form_errors.append(_("The mail cannot be sent right now. Please try again in a few minutes."))
                return page("password_forgot.html", 503, form=form)
            return page("password_forgot.html", form=None, sent=True)
        return page("password_forgot.html", form_status(form), form=form)

    def password_reset(token):
        key = current_app.config["SECRET_KEY"]
        s = system_session()
        try:
            if resets.principal_for_token(s, key, token, realm()) is None:
                return page("password_reset.html", 400, form=None)
            form = NewPasswordForm()
            if form.validate_on_submit():
                done = commit_or_show(form, lambda: resets.reset_password(
                    s, key, token, realm(), form.new_password.data, form.confirm_password.data,
                    address=client_address()), session=s)
                if done is not FAILED:
                    flash(_("Your password has been changed. Log in with it."), "success")
                    return redirect(url_for(f"{panel}.login"))
            return page("password_reset.html", form_status(form), form=form)
        finally:
            s.close()

    return {"password_forgot": password_forgot, "password_reset": password_reset}
