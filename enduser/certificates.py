"""End-user screen of a domain's HTTPS certificate (issue 17): what is served (issuer, names,
expiry), the last attempt to renew it and why it failed, an own certificate upload, the
HTTP→HTTPS redirect. A reseller operator in the support view acts here on the customer's behalf."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from enduser.forms import ActionForm, CertificateForm, RedirectForm
from enduser.hosting import actor, change, enduser_object, me
from tenants.hosting import certificates as rules
from tenants.hosting import domains as domain_rules
from tenants.models import Certificate, Domain
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, form_status


def _read(field) -> bytes | None:
    """An uploaded file's bytes, at most one byte past the limit (a 5 MB upload is not read whole)."""
    data = field.data
    if data is None or not hasattr(data, "read"):
        return None
    return data.read(rules.MAX_UPLOAD_BYTES + 1) or None


@enduser_object
def certificate(domain_id):
    domain = get_owned_or_404(db(), Domain, domain_id)
    form = CertificateForm()
    if form.validate_on_submit():
        customer = me()
        box = current_app.extensions["panel.box"]
        cert, chain, key = _read(form.certificate), _read(form.chain), _read(form.key)
        done = change(form, lambda: rules.upload(db(), actor(), box, customer, domain, cert, chain, key))
        if done is not FAILED:
            flash(_("The certificate was saved. It is being installed on the server."), "success")
            return redirect(url_for("enduser.certificate", domain_id=domain.id))
    row = db().execute(select(Certificate).where(Certificate.domain_id == domain.id)).scalar_one_or_none()
    return render_template("enduser/certificate.html", domain=domain, row=row, form=form, action=ActionForm(),
                           redirect_form=RedirectForm(redirect=domain.https_redirect),
                           days_left=rules.days_left(row) if row else None), form_status(form)


@enduser_object
def certificate_acme(domain_id):
    domain = get_owned_or_404(db(), Domain, domain_id)
    if ActionForm().validate_on_submit():
        customer = me()
        if change(ActionForm(), lambda: rules.use_acme(db(), actor(), customer, domain)) is not FAILED:
            flash(_("A certificate is being requested. This page shows the result in about a minute."), "info")
    return redirect(url_for("enduser.certificate", domain_id=domain.id))


@enduser_object
def https_redirect(domain_id):
    domain = get_owned_or_404(db(), Domain, domain_id)
    form = RedirectForm()
    if form.validate_on_submit():
        customer = me()
        if change(form, lambda: domain_rules.set_https_redirect(db(), actor(), customer, domain,
                                                                form.redirect.data)) is not FAILED:
            flash(_("Saved. The change is being applied on the server."), "success")
    return redirect(url_for("enduser.certificate", domain_id=domain.id))
