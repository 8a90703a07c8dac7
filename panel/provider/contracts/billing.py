"""Provider admin: invoices (printable), payments and the monthly run, suspension, resume and
termination of managed-service contracts (managed terms §12, §20–§23)."""
from datetime import datetime

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from panel.provider.accounts import staff_only
from panel.provider.contracts import forms as F
from panel.provider.contracts.lifecycle import contract_step, render_contract
from tenants.calendar import JST, today_jst
from tenants.contracts.invoicing import accrued_late_damages, monthly_invoice_run, record_payment
from tenants.contracts.suspension import resume, suspend, terminate
from tenants.db import utcnow
from tenants.errors import RuleViolation
from tenants.models import Contract, Invoice, Suspension
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_flash, show_problems
from web.paging import paginate


@staff_only
def contract_invoices():
    s = db()
    form = F.InvoiceRunForm()
    if not form.is_submitted():
        form.run_on.data = today_jst()
    if form.validate_on_submit():
        issued = monthly_invoice_run(s, form.run_on.data)
        s.commit()
        flash(_("%(n)s invoices issued.", n=len(issued)), "success")
        return redirect(url_for("provider.contract_invoices"))
    page = paginate(s, select(Invoice).order_by(Invoice.issued_on.desc(), Invoice.id.desc()))
    return render_template("provider/contract_invoices.html", page=page, form=form,
                           today=today_jst()), 400 if form.is_submitted() else 200


# managed terms §20.3, §22 (printable invoice, payments with late damages)
@staff_only
def contract_invoice(invoice_id):
    s = db()
    invoice = get_owned_or_404(s, Invoice, invoice_id)
    form = F.PaymentForm()
    if not form.is_submitted():
        form.paid_on.data, form.amount.data = today_jst(), invoice.balance or None
    if form.validate_on_submit():
        try:
            payment = record_payment(s, current_user, invoice, form.paid_on.data, form.amount.data,
                                     form.note.data or "")
        except RuleViolation as exc:
            s.rollback()
            invoice = get_owned_or_404(s, Invoice, invoice_id)
            show_problems(form, exc)
        else:
            s.commit()
            flash(_("Payment recorded; late damages %(d)s yen.", d=f"{payment.late_damages:,}"), "success")
            return redirect(url_for("provider.contract_invoice", invoice_id=invoice.id))
    return render_template("provider/contract_invoice.html", invoice=invoice, form=form,
                           accrued=accrued_late_damages(invoice, today_jst())), \
        400 if form.is_submitted() else 200


@staff_only
def contract_invoice_print(invoice_id):
    invoice = get_owned_or_404(db(), Invoice, invoice_id)
    return render_template("contract_invoice_print.html", invoice=invoice)


def _jst_utc(value: datetime | None):
    return value.replace(tzinfo=JST).astimezone(JST) if value else None


# managed terms §23.1, §23.2
@staff_only
def contract_suspend(contract_id):
    def act(s, c, f):
        now = utcnow()
        starts = _jst_utc(f.starts_at.data) or now
        suspend(s, current_user, c, ground=f.ground.data, reason=f.reason.data or "", starts_at=starts,
                ends_at=_jst_utc(f.ends_at.data), emergency=f.emergency.data, now=now)
        return _("Suspension recorded and the customer notified.")
    return contract_step(contract_id, F.SuspensionForm(prefix="suspend"), "suspend", act)


@staff_only
def contract_resume(suspension_id):
    s = db()
    suspension = get_owned_or_404(s, Suspension, suspension_id)
    if commit_or_flash(lambda: resume(s, current_user, suspension, utcnow())) is FAILED:
        return render_contract(s, get_owned_or_404(s, Contract, suspension.contract_id), 400)
    flash(_("Service resumed."), "success")
    return redirect(url_for("provider.contract", contract_id=suspension.contract_id))


# managed terms §12.1, §12.3
@staff_only
def contract_terminate(suspension_id):
    suspension = get_owned_or_404(db(), Suspension, suspension_id)

    def act(s, c, f):
        terminate(s, current_user, suspension, f.reason.data, utcnow(), today_jst())
        return _("Contract terminated.")
    return contract_step(suspension.contract_id, F.TerminationForm(prefix="terminate"), "terminate", act)
