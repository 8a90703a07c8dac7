"""Business panel: API tokens (created and revoked by the reseller; shown once)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from panel.reseller.accounts import operator_only
from panel.reseller.forms import TokenForm
from tenants.calendar import today_jst
from tenants.models import ApiToken
from tenants.resellers import api_tokens as token_rules
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show, form_status


@operator_only
def api_tokens():
    s = db()
    form = TokenForm()
    if form.validate_on_submit():
        created = commit_or_show(form, lambda: token_rules.create_token(
            s, current_user, form.name.data, form.expires_on.data, form.allowed_addresses.data, today_jst()))
        if created is not FAILED:
            row, token = created
            return render_template("reseller/api_token_created.html", row=row, token=token)
    tokens = s.execute(select(ApiToken).order_by(ApiToken.created_at.desc())).scalars().all()
    return render_template("reseller/api_tokens.html", form=form, tokens=tokens), form_status(form)


@operator_only
def api_token_revoke(token_id):
    s = db()
    token_rules.revoke_token(s, current_user, get_owned_or_404(s, ApiToken, token_id))
    s.commit()
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("reseller.api_tokens"))
