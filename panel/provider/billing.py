"""Provider admin: billing — the issuer's settings (qualified invoices), payments received against
one or several invoices with credit, the bank-statement import and its review, and each
reseller's OEM fees."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from panel.provider.accounts import staff_only
from panel.provider.contracts import billing_forms as B
from tenants.calendar import today_jst
from tenants.contracts.bank_import import confirm_line, ignore_line, import_statement
from tenants.contracts.billing_admin import oem_fee_of, save_billing_settings, save_oem_fee
from tenants.contracts.documents import billing_settings
from tenants.contracts.ledger_models import BankLine, BankLineStatus, OemFee
from tenants.contracts.payments import credit_of, open_invoices, payer_label, record_receipt
from tenants.models import Invoice, ManagedCustomer, Reseller
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_flash, commit_or_show

MAX_STATEMENT_BYTES = 5 * 1024 * 1024


def payer_choices(s) -> list[SelectChoice]:
    """Everyone who can pay: contract parties, and resellers billed for OEM fees."""
    parties = [SelectChoice(f"p{p.id}", p.name) for p in s.execute(select(ManagedCustomer)
                                                                     .order_by(ManagedCustomer.name)).scalars()]
    resellers = [SelectChoice(f"r{f.reseller_id}", f"{f.reseller.name} (OEM)") for f in s.execute(select(OemFee)).scalars()]
    return parties + resellers


@staff_only
def billing_settings_page():
    s = db()
    current = billing_settings(s)
    form = B.BillingSettingsForm(obj=current)
    if not form.is_submitted():
        form.reminder_days.data = ", ".join(str(d) for d in current.reminder_days or [])
    if form.validate_on_submit():
        data = {f.name: f.data for f in form if f.name != "csrf_token"}
        if commit_or_show(form, lambda: save_billing_settings(s, current_user, data)) is not FAILED:
            flash(_("Saved."), "success")
            return redirect(url_for("provider.billing_settings_page"))
    return render_template("provider/billing_settings.html", form=form), 400 if form.is_submitted() else 200


@staff_only
def reseller_oem_fee(reseller_id):
    s = db()
    reseller = get_owned_or_404(s, Reseller, reseller_id)
    fee = oem_fee_of(s, reseller.id)
    form = B.OemFeeForm(obj=fee)
    if not form.is_submitted() and fee is None:
        form.starts_on.data, form.billing_email.data = today_jst().replace(day=1), reseller.support_email
    if form.validate_on_submit():
        data = {f.name: f.data for f in form if f.name != "csrf_token"}
        if commit_or_show(form, lambda: save_oem_fee(s, current_user, reseller, data)) is not FAILED:
            flash(_("Saved."), "success")
            return redirect(url_for("provider.reseller_oem_fee", reseller_id=reseller.id))
    invoices = s.execute(select(Invoice).where(Invoice.reseller_id == reseller.id, Invoice.contract_id.is_(None))
                         .order_by(Invoice.service_month.desc())).scalars().all()
    return render_template("provider/reseller_oem_fee.html", reseller=reseller, form=form, invoices=invoices), \
        400 if form.is_submitted() else 200


def _receipt_form(s, payer: str | None) -> B.ReceiptForm:
    form = B.ReceiptForm(prefix="receipt")
    form.invoices.choices = [SelectChoice(i.id, f"{i.number} — {i.due_on} — {i.balance:,}")
                             for i in (open_invoices(s, payer) if payer else [])]
    if not form.is_submitted():
        form.received_on.data = today_jst()
    return form


# managed terms §20 (payments to our bank), §22.1 (late damages per payment)
@staff_only
def billing_payments():
    s = db()
    choices = payer_choices(s)
    payer = request.values.get("payer") or None
    if payer not in {c.value for c in choices}:
        payer = None
    form = _receipt_form(s, payer)
    if payer and form.validate_on_submit():
        chosen = [i for i in open_invoices(s, payer) if i.id in set(form.invoices.data or [])]
        receipt = commit_or_show(form, lambda: record_receipt(
            s, current_user, payer=payer, received_on=form.received_on.data, amount=form.amount.data,
            invoices=chosen, payer_name=form.payer_name.data or "", note=form.note.data or "", today=today_jst()))
        if receipt is not FAILED:
            flash(_("Payment recorded: %(applied)s yen applied, %(held)s yen held as credit.",
                    applied=f"{receipt.applied:,}", held=f"{receipt.unapplied:,}"), "success")
            return redirect(url_for("provider.billing_payments", payer=payer))
    review = s.execute(select(BankLine).where(BankLine.status == BankLineStatus.REVIEW)
                       .order_by(BankLine.booked_on, BankLine.id)).scalars().all()
    return render_template(
        "provider/billing_payments.html", choices=choices, payer=payer, form=form,
        payer_name=payer_label(s, payer) if payer else "", open=open_invoices(s, payer) if payer else [],
        credit=credit_of(s, payer) if payer else 0, review=review, labels={c.value: c.label for c in choices},
        invoices={i.id: i for i in s.execute(select(Invoice).where(Invoice.id.in_(
            {i for line in review for i in line.proposed_invoice_ids}))).scalars()},
        upload=B.BankImportForm(prefix="bank")), 400 if form.is_submitted() else 200


@staff_only
def billing_bank_import():
    s = db()
    form = B.BankImportForm(prefix="bank")
    upload = form.statement.data
    if not form.validate_on_submit() or upload is None or not getattr(upload, "filename", ""):
        flash(_("Choose a bank statement file."), "error")
        return redirect(url_for("provider.billing_payments"))
    data = upload.read(MAX_STATEMENT_BYTES + 1)
    if len(data) > MAX_STATEMENT_BYTES:
        flash(_("A statement may be at most 5 MB."), "error")
        return redirect(url_for("provider.billing_payments"))
    result = commit_or_flash(lambda: import_statement(s, current_user, data, upload.filename))
    if result is not FAILED:
        new, known = result
        flash(_("%(new)s new lines to review; %(known)s already imported.", new=new, known=known), "success")
    return redirect(url_for("provider.billing_payments"))


@staff_only
def billing_bank_line(line_id):
    """Confirm a statement line as proposed or for the payer chosen, or ignore it."""
    s = db()
    line = get_owned_or_404(s, BankLine, line_id)
    payer = request.form.get("payer") or None
    if payer is not None and payer not in {c.value for c in payer_choices(s)}:
        payer = "x"  # refused by the rule with its message
    if request.form.get("action") == "ignore":
        done = commit_or_flash(lambda: ignore_line(s, current_user, line))
        message = _("Line ignored.")
    else:
        done = commit_or_flash(lambda: confirm_line(s, current_user, line, payer, today_jst()))
        message = _("Payment recorded from the statement.")
    if done is not FAILED:
        flash(message, "success")
    return redirect(url_for("provider.billing_payments"))

