"""End-user screen of a domain's mail authentication (issue 17 item 4): DKIM set up with a selector,
the DKIM, SPF and DMARC records (published in our zone, or to copy where the DNS is), the signing
state, and selector rotation. A reseller operator in the support view acts here on the customer's behalf."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from enduser.forms import ActionForm, DkimRotateForm, DkimSetupForm, DkimZoneForm
from enduser.hosting import actor, change, enduser_object, me, object_buttons
from tenants.hosting import dkim as rules
from tenants.models import DkimKey, Domain
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, form_status


def _page(domain: Domain, setup=None, rotate=None):
    keys = rules.keys_of(db(), domain)
    setup = setup or DkimSetupForm(data={"selector": rules.suggested_selector(), "in_our_zone": True})
    rotate = rotate or DkimRotateForm()
    zone = DkimZoneForm(data={"in_our_zone": keys[0].in_our_zone if keys else True})
    status = max(form_status(setup), form_status(rotate))
    return render_template("enduser/mail_auth.html", domain=domain, keys=keys, setup=setup, rotate=rotate,
                           zone=zone, records=rules.records_to_show(db(), domain, keys),
                           overlap_days=rules.OVERLAP.days, action=ActionForm()), status


def _saved(domain: Domain, message: str):
    flash(message, "success")
    return redirect(url_for("enduser.mail_auth", domain_id=domain.id))


@enduser_object
def mail_auth(domain_id):
    domain = get_owned_or_404(db(), Domain, domain_id)
    form = DkimSetupForm()
    if form.validate_on_submit():
        customer, box = me(), current_app.extensions["panel.box"]
        if change(form, lambda: rules.enable(db(), actor(), box, customer, domain, form.selector.data,
                                             form.in_our_zone.data)) is not FAILED:
            return _saved(domain, _("DKIM is being set up. Mail is signed once the server has applied it."))
    return _page(domain, setup=form)


@enduser_object
def mail_auth_rotate(domain_id):
    domain = get_owned_or_404(db(), Domain, domain_id)
    form = DkimRotateForm()
    if form.validate_on_submit():
        customer, box = me(), current_app.extensions["panel.box"]
        if change(form, lambda: rules.rotate(db(), actor(), box, customer, domain, form.selector.data)) is not FAILED:
            return _saved(domain, _("A new key signs from now on. The previous one stays published for %(n)s days.",
                                    n=rules.OVERLAP.days))
    return _page(domain, rotate=form)


@enduser_object
def mail_auth_zone(domain_id):
    domain = get_owned_or_404(db(), Domain, domain_id)
    form = DkimZoneForm()
    if form.validate_on_submit():
        customer = me()
        if change(form, lambda: rules.set_in_our_zone(db(), actor(), customer, domain,
                                                      form.in_our_zone.data)) is not FAILED:
            return _saved(domain, _("Saved. The change is being applied on the server."))
        for message in form.in_our_zone.errors:
            flash(message, "error")
    return redirect(url_for("enduser.mail_auth", domain_id=domain.id))


BUTTONS = object_buttons("dkim", DkimKey, "enduser.mail_auth", rules.remove_key,
                         _l("The key is being removed."), list_args=lambda k: {"domain_id": k.domain_id})
