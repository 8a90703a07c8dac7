"""Provider admin: invoices — the monthly runs (managed contracts, OEM fees), one invoice with its
document and PDF, payments, credit, credit notes and its mail; extra charges on a contract
(managed terms §20–§22, qualified invoices)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from panel.contract_party.invoices import document_response, pdf_response
from panel.provider.accounts import staff_only
from panel.provider.contracts import billing_forms as B
from panel.provider.contracts import forms as F
from panel.provider.contracts.lifecycle import contract_step, correctable, send_mail_soon
from tenants.calendar import today_jst
from tenants.contracts.charges import bill_extra_charge, issue_credit_note
from tenants.contracts.documents import billing_settings
from tenants.contracts.invoice_mail import queue_invoice_mail
from tenants.contracts.invoicing import accrued_late_damages, monthly_invoice_run
from tenants.contracts.oem import invoice_oem_month
from tenants.contracts.payments import apply_credit, credit_of, record_payment
from tenants.contracts.tax import registration_number_problem
from tenants.errors import RuleViolation
from tenants.models import Contract, Invoice, OutboxMail
from tenants.outbox.rules import anything_due
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_flash, show_problems
from web.paging import paginate


def _after_commit(s) -> None:
    if anything_due(s):
        send_mail_soon()


@staff_only
def contract_invoices():
    s = db()
    form, oem = F.InvoiceRunForm(), B.OemRunForm(prefix="oem")
    today = today_jst()
    if not form.is_submitted():
        form.run_on.data = oem.issued_on.data = today
    target = oem if request.method == "POST" and "oem-month" in request.form else form
    if target.validate_on_submit():
        if target is oem:
            issued = invoice_oem_month(s, oem.month.data, oem.issued_on.data)
        else:
            issued = monthly_invoice_run(s, form.run_on.data)
        s.commit()
        _after_commit(s)
        flash(_("%(n)s invoices issued.", n=len(issued)), "success")
        return redirect(url_for("provider.contract_invoices"))
    page = paginate(s, select(Invoice).order_by(Invoice.issued_on.desc(), Invoice.id.desc()))
    settings = billing_settings(s)
    return render_template("provider/contract_invoices.html", page=page, form=form, oem=oem, today=today,
                           issuer_missing=registration_number_problem(settings.registration_number) is not None), \
        400 if request.method == "POST" else 200


def _invoice_forms(invoice: Invoice, **given) -> dict:
    today = today_jst()
    credit = B.CreditNoteForm(prefix="credit", issued_on=today)
    credit.line_id.choices = [SelectChoice(line.id, f"{line.description} ({line.amount:,})") for line in invoice.lines]
    forms = {"payment": F.PaymentForm(paid_on=today, amount=invoice.balance or None), "credit": credit}
    forms.update(given)
    return forms


def render_invoice(s, invoice: Invoice, status: int = 200, **given):
    mails = s.execute(select(OutboxMail).where(OutboxMail.invoice_id == invoice.id)
                      .order_by(OutboxMail.id.desc())).scalars().all()
    related = s.execute(select(Invoice).where(Invoice.corrects_id == invoice.id).order_by(Invoice.id)).scalars().all()
    return render_template("provider/contract_invoice.html", invoice=invoice, forms=_invoice_forms(invoice, **given),
                           accrued=accrued_late_damages(invoice, today_jst()), mails=mails, related=related,
                           credit=credit_of(s, invoice.payer_key)), status


# managed terms §20.3, §22 (the invoice, payments with late damages)
@staff_only
def contract_invoice(invoice_id):
    s = db()
    invoice = get_owned_or_404(s, Invoice, invoice_id)
    form = F.PaymentForm()
    if form.validate_on_submit():
        try:
            payment = record_payment(s, current_user, invoice, form.paid_on.data, form.amount.data,
                                     form.note.data or "")
        except RuleViolation as exc:
            s.rollback()
            show_problems(form, exc)
        else:
            s.commit()
            _after_commit(s)
            held = form.amount.data - payment.amount
            if held:
                flash(_("Payment recorded; late damages %(d)s yen; %(c)s yen held as credit.",
                        d=f"{payment.late_damages:,}", c=f"{held:,}"), "success")
            else:
                flash(_("Payment recorded; late damages %(d)s yen.", d=f"{payment.late_damages:,}"), "success")
            return redirect(url_for("provider.contract_invoice", invoice_id=invoice.id))
        invoice = get_owned_or_404(s, Invoice, invoice_id)
    return render_invoice(s, invoice, 400 if form.is_submitted() else 200, payment=form)


@staff_only
def contract_invoice_print(invoice_id):
    return document_response(get_owned_or_404(db(), Invoice, invoice_id), "provider.contract_invoice_pdf")


@staff_only
def contract_invoice_pdf(invoice_id):
    invoice = get_owned_or_404(db(), Invoice, invoice_id)
    return pdf_response(invoice, url_for("provider.contract_invoice_pdf", invoice_id=invoice.id))


@staff_only
def contract_invoice_send(invoice_id):
    """Send the invoice (with its PDF) to the billing contact again."""
    s = db()
    invoice = get_owned_or_404(s, Invoice, invoice_id)
    if not invoice.recipient_email:
        flash(_("The invoice has no recipient email address."), "error")
    else:
        queue_invoice_mail(s, invoice, again=True)
        s.commit()
        send_mail_soon()
        flash(_("The invoice is being sent to %(to)s.", to=invoice.recipient_email), "success")
    return redirect(url_for("provider.contract_invoice", invoice_id=invoice.id))


@staff_only
def contract_invoice_credit(invoice_id):
    """Pay the invoice from money its payer has paid too much."""
    s = db()
    invoice = get_owned_or_404(s, Invoice, invoice_id)
    applied = commit_or_flash(lambda: apply_credit(s, current_user, invoice, today_jst()))
    if applied is not FAILED:
        _after_commit(s)
        flash(_("%(n)s yen of credit applied.", n=f"{applied:,}"), "success")
    return redirect(url_for("provider.contract_invoice", invoice_id=invoice_id))


# 消費税法第57条の4第3項 (適格返還請求書)
@staff_only
def contract_invoice_credit_note(invoice_id):
    s = db()
    invoice = get_owned_or_404(s, Invoice, invoice_id)
    form = _invoice_forms(invoice, credit=B.CreditNoteForm(prefix="credit"))["credit"]
    form.line_id.choices = [SelectChoice(line.id, line.description) for line in invoice.lines]
    if form.validate_on_submit():
        try:
            note = issue_credit_note(s, current_user, invoice, line_id=form.line_id.data, amount=form.amount.data,
                                     reason=form.reason.data, issued_on=form.issued_on.data)
        except RuleViolation as exc:
            s.rollback()
            invoice = get_owned_or_404(s, Invoice, invoice_id)
            show_problems(form, exc)
        else:
            s.commit()
            _after_commit(s)
            flash(_("Credit note %(number)s issued.", number=note.number), "success")
            return redirect(url_for("provider.contract_invoice", invoice_id=note.id))
    return render_invoice(s, invoice, 400, credit=form)


# managed terms §20.1③, §20.2 (quoted extra charges, due when we say)
@staff_only
def contract_extra_charge(contract_id):
    def act(s, c, f):
        corrects = get_owned_or_404(s, Invoice, f.corrects.data) if f.corrects.data else None
        invoice = bill_extra_charge(s, current_user, c, description=f.description.data, amount=f.amount.data,
                                    rate=f.tax_rate.data, issued_on=f.issued_on.data, due_on=f.due_on.data,
                                    quote=f.quote.data or "", done_on=f.done_on.data, corrects=corrects)
        return _("Invoice %(number)s issued.", number=invoice.number)
    form = B.ExtraChargeForm(prefix="extra")
    form.corrects.choices = correctable(get_owned_or_404(db(), Contract, contract_id))
    return contract_step(contract_id, form, "extra", act)
