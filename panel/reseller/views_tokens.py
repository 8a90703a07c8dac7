"""Business panel: API tokens (created and revoked by the reseller; shown once)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from panel.reseller import NAV, bp
from panel.reseller.forms import TokenForm
from panel.reseller.views_home import operator_only
from tenants.calendar import today_jst
from tenants.resellers import api_tokens
from tenants.models import ApiToken
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show, form_status

NAV.append(("reseller.api_tokens", _l("API")))


def _page():
    s = db()
    form = TokenForm()
    if form.validate_on_submit():
        created = commit_or_show(form, lambda: api_tokens.create_token(
            s, current_user, form.name.data, form.expires_on.data, form.allowed_addresses.data, today_jst()))
        if created is not FAILED:
            row, token = created
            return render_template("reseller/api_token_created.html", row=row, token=token)
    tokens = s.execute(select(ApiToken).order_by(ApiToken.created_at.desc())).scalars().all()
    return render_template("reseller/api_tokens.html", form=form, tokens=tokens), form_status(form)


bp.add_url_rule("/api-tokens", endpoint="api_tokens", view_func=operator_only(_page), methods=["GET", "POST"])


@bp.post("/api-tokens/<int:token_id>/revoke")
@operator_only
def api_token_revoke(token_id):
    s = db()
    api_tokens.revoke_token(s, current_user, get_owned_or_404(s, ApiToken, token_id))
    s.commit()
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("reseller.api_tokens"))
