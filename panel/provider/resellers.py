"""Provider admin: resellers, their fault contacts and operator logins, and the audit log."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from panel.provider.accounts import staff_only
from panel.provider.forms import ContactsForm, OperatorForm, ResellerForm
from tenants.accounts.password_policy import generate_password
from tenants.models import Principal, Reseller, Role, Server, ServerAssignment
from tenants.resellers import rules
from tenants.tenancy import get_owned_or_404
from web.audit_view import audit_page
from web.db import db
from web.forms import FAILED, commit_or_flash, commit_or_show, form_status
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
    operators = s.execute(select(Principal).where(Principal.reseller_id == r.id,
                                                  Principal.role == Role.OPERATOR.value)
                          .order_by(Principal.login_id)).scalars().all()
    servers = s.execute(select(Server).join(ServerAssignment).where(ServerAssignment.reseller_id == r.id)
                        .order_by(Server.hostname)).scalars().all()
    return render_template("provider/reseller.html", r=r, operators=operators, servers=servers,
                           counts=rules.reseller_counts(s).get(r.id, {}))


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
        {"name": c.name, "email": c.email, "phone": c.phone, "is_emergency": c.is_emergency} for c in r.contacts]})
    if request.method == "POST":
        form = ContactsForm()
    if form.validate_on_submit():
        rows = [e.data for e in form.contacts if (e.data.get("name") or e.data.get("email"))]
        if commit_or_show(form, lambda: rules.replace_contacts(s, current_user, r, rows)) is not FAILED:
            flash(_("Fault contacts saved."), "success")
            return redirect(url_for("provider.reseller", reseller_id=r.id))
    return render_template("provider/contacts.html", form=form, r=r), form_status(form)


@staff_only
def operator_new(reseller_id):
    s = db()
    r = get_owned_or_404(s, Reseller, reseller_id)
    form = OperatorForm()
    if form.validate_on_submit():
        password = form.password.data or generate_password()
        op = commit_or_show(form, lambda: rules.create_operator(
            s, current_user, r, form.login_id.data, password, form.display_name.data or "", form.email.data or None))
        if op is not FAILED:
            shown = None if form.password.data else password
            return render_template("provider/operator_created.html", r=r, op=op, password=shown)
    return render_template("provider/operator_form.html", form=form, r=r), form_status(form)


@staff_only
def audit_log():
    return audit_page("provider/audit.html")
