"""Business panel: branding of the end-user panel (brand name, logo, support contact and hours)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from panel.reseller.accounts import operator_only
from panel.reseller.forms import BrandForm
from tenants.models import Reseller
from tenants.resellers import branding
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show, form_status
from web.request_guard import body_limit

# A photo straight from a phone fits, so an oversized logo comes back as a message beside its field
# with every other field as typed; the logo itself is checked against branding.MAX_LOGO_BYTES.
BRAND_FORM_MAX_BYTES = 32 * 1024 * 1024


@body_limit(BRAND_FORM_MAX_BYTES)
@operator_only
def brand():
    s = db()
    reseller = get_owned_or_404(s, Reseller, current_user.reseller_id)
    form = BrandForm(obj=reseller)
    if form.validate_on_submit():
        upload = form.logo.data
        logo = upload.read(branding.MAX_LOGO_BYTES + 1) if upload and getattr(upload, "filename", "") else b""

        def save():
            branding.update_brand(s, current_user, reseller, {n: form[n].data for n in branding.BRAND_FIELDS})
            if logo:
                branding.set_logo(s, current_user, reseller, logo)
            elif form.remove_logo.data:
                branding.remove_logo(s, current_user, reseller)

        if commit_or_show(form, save) is not FAILED:
            flash(_("Branding saved."), "success")
            return redirect(url_for("reseller.brand"))
    return render_template("reseller/brand.html", form=form, reseller=reseller), form_status(form)
