"""Provider admin: resellers, their fault contacts and operator logins, and the audit log."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from panel.provider.accounts import staff_only
from panel.provider.forms import ContactsForm, ResellerForm
from tenants.accounts import operators as operator_rules
from tenants.crypto import SecretBox
from tenants.models import Reseller, Server, ServerAssignment
from tenants.resellers import rules
from tenants.tenancy import get_owned_or_404
from web.audit_view import audit_page
from web.auth import client_address
from web.db import db
from web.forms import FAILED, RESELLER_ROLES, ROLE_NAMES, PersonForm, commit_or_flash, commit_or_show, form_status
from web.paging import paginate


def _reseller_data(form: ResellerForm) -> dict:
    return {name: form[name].data or "" for name in rules.RESELLER_FIELDS}


@staff_only
def resellers():
    s = db()
    q = (request.args.get("q") or "").strip()
    stmt = select(Reseller).order_by(Reseller.code)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Reseller.code.ilike(like), Reseller.name.ilike(like), Reseller.brand_name.ilike(like)))
    page = paginate(s, stmt, q=q)
    return render_template("provider/resellers.html", page=page, q=q, counts=rules.reseller_counts(s))


@staff_only
def reseller_new():
    form = ResellerForm()
    if form.validate_on_submit():
        reseller = commit_or_show(form, lambda: rules.create_reseller(db(), current_user, _reseller_data(form)))
        if reseller is not FAILED:
            flash(_("Reseller %(code)s registered.", code=reseller.code), "success")
            return redirect(url_for("provider.reseller", reseller_id=reseller.id))
    return render_template("provider/reseller_form.html", form=form, reseller=None), form_status(form)


@staff_only
def reseller(reseller_id):
    s = db()
    r = get_owned_or_404(s, Reseller, reseller_id)
    operators = operator_rules.operators_of(s, r.id)
    servers = s.execute(select(Server).join(ServerAssignment).where(ServerAssignment.reseller_id == r.id)
                        .order_by(Server.hostname)).scalars().all()
    return render_template("provider/reseller.html", r=r, operators=operators, servers=servers,
                           counts=rules.reseller_counts(s).get(r.id, {}), role_names=ROLE_NAMES)


@staff_only
def reseller_edit(reseller_id):
    s = db()
    r = get_owned_or_404(s, Reseller, reseller_id)
    form = ResellerForm(obj=r)
    if form.validate_on_submit():
        if commit_or_show(form, lambda: rules.update_reseller(s, current_user, r, _reseller_data(form))) is not FAILED:
            flash(_("Saved."), "success")
            return redirect(url_for("provider.reseller", reseller_id=r.id))
    return render_template("provider/reseller_form.html", form=form, reseller=r), form_status(form)


@staff_only
def reseller_status(reseller_id):
    s = db()
    r = get_owned_or_404(s, Reseller, reseller_id)
    if commit_or_flash(lambda: rules.set_reseller_status(s, current_user, r, request.form.get("status", ""))) \
            is not FAILED:
        flash(_("Reseller %(code)s is now %(status)s.", code=r.code, status=_(r.status)), "success")
    return redirect(url_for("provider.reseller", reseller_id=r.id))


@staff_only
def reseller_contacts(reseller_id):
    s = db()
    r = get_owned_or_404(s, Reseller, reseller_id)
    form = ContactsForm(data={"contacts": [
        {"name": c.name, "email": c.email, "phone": c.phone, "is_emergency": c.is_emergency,
         "webhook_url": c.webhook_url} for c in r.contacts]})
    if request.method == "POST":
        form = ContactsForm()
    if form.validate_on_submit():
        rows = [e.data for e in form.contacts if (e.data.get("name") or e.data.get("email"))]
        box = SecretBox(current_app.config["SETTINGS"].encryption_keys)
        if commit_or_show(form, lambda: rules.replace_contacts(s, current_user, r, rows, box)) is not FAILED:
            flash(_("Fault contacts saved."), "success")
            return redirect(url_for("provider.reseller", reseller_id=r.id))
    return render_template("provider/contacts.html", form=form, r=r), form_status(form)


@staff_only
def operator_new(reseller_id):
    s = db()
    r = get_owned_or_404(s, Reseller, reseller_id)
    form = PersonForm(RESELLER_ROLES, "owner")
    if form.validate_on_submit():
        made = commit_or_show(form, lambda: operator_rules.add_operator(
            s, current_user, r.id, form.login_id.data, form.password.data or None, access=form.access.data,
            display_name=form.display_name.data or "", email=form.email.data or None, address=client_address()))
        if made is not FAILED:
            op, shown = made
            return render_template("provider/operator_created.html", r=r, op=op, password=shown), 200, \
                {"Cache-Control": "no-store"}
    return render_template("provider/operator_form.html", form=form, r=r), form_status(form)


@staff_only
def operator_active(reseller_id, principal_id):
    """The provider stops (or lets in again) one operator of a reseller, e.g. a stolen password."""
    s = db()
    r = get_owned_or_404(s, Reseller, reseller_id)
    principal = operator_rules.operator_login(s, r.id, principal_id)
    active = request.form.get("active") == "1"
    if commit_or_flash(lambda: operator_rules.set_operator_active(s, current_user, principal, active,
                                                                  client_address())) is not FAILED:
        flash(_("%(login)s can log in again.", login=principal.login_id) if active else
              _("%(login)s is disabled and has been logged out everywhere.", login=principal.login_id), "success")
    return redirect(url_for("provider.reseller", reseller_id=r.id))


@staff_only
def reseller_totp(reseller_id):
    s = db()
    r = get_owned_or_404(s, Reseller, reseller_id)
    required = request.form.get("require_totp") == "1"
    operator_rules.set_reseller_totp_required(s, current_user, r, required, client_address())
    s.commit()
    flash(_("Two-factor login is now required for the operators of %(code)s.", code=r.code) if required else
          _("Two-factor login is now optional for the operators of %(code)s.", code=r.code), "success")
    return redirect(url_for("provider.reseller", reseller_id=r.id))


@staff_only
def audit_log():
    return audit_page("provider/audit.html")
