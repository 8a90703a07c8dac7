"""The contract party's own view of its managed-service contracts, shared by the business panel
(a reseller party's operators) and the managed-customer panel (a direct customer's own login):
contract, options, invoices and payments, work requests (file, object, accept), complaints and
the annual report. The session's scope decides whose contracts these are; each panel lists
``rules(guard)`` in its URL table, behind its own login guard."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from panel.contract_party import forms as F
from panel.contract_party.invoices import document_response, pdf_response
from panel.contract_party.report import report_response
from tenants.calendar import today_jst
from tenants.contracts import work
from tenants.contracts.options import OPTION_KINDS
from tenants.models import Complaint, Contract, Invoice, WorkRequest
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show

LAYOUTS = {"reseller": "reseller/layout.html", "managed": "managed/layout.html"}


def _layout() -> str:
    return LAYOUTS[request.blueprint]


def _page(template: str, status: int = 200, **context):
    return render_template(template, layout=_layout(), panel_ep=request.blueprint, **context), status


def _render_contract(s, contract: Contract, status: int = 200, work_form=None, complaint_form=None):
    invoices = s.execute(select(Invoice).where(Invoice.contract_id == contract.id)
                         .order_by(Invoice.service_month.desc())).scalars().all()
    return _page(
        "customer_contract.html", status, c=contract, option_kinds=OPTION_KINDS, invoices=invoices,
        payments=sorted((p for inv in invoices for p in inv.payments), key=lambda p: (p.paid_on, p.id)),
        work=s.execute(select(WorkRequest).where(WorkRequest.contract_id == contract.id)
                       .order_by(WorkRequest.id.desc())).scalars().all(),
        complaints=s.execute(select(Complaint).where(Complaint.contract_id == contract.id)
                             .order_by(Complaint.id.desc())).scalars().all(),
        work_form=work_form or F.CustomerWorkRequestForm(prefix="work"),
        complaint_form=complaint_form or F.CustomerComplaintForm(prefix="complaint"))


def _file(contract_id, form, key, action):
    s = db()
    contract = get_owned_or_404(s, Contract, contract_id)
    if form.validate_on_submit() and commit_or_show(form, lambda: action(s, contract, form)) is not FAILED:
        flash(_("Sent to the provider."), "success")
        return redirect(url_for(f"{request.blueprint}.my_contract", contract_id=contract.id))
    return _render_contract(s, contract, 400, **{key: form})


def my_contracts():
    rows = db().execute(select(Contract).order_by(Contract.id.desc())).scalars().all()
    return _page("customer_contracts.html", contracts=rows)


def my_contract(contract_id):
    s = db()
    return _render_contract(s, get_owned_or_404(s, Contract, contract_id))


def my_work_new(contract_id):
    """managed terms §18.1 (the customer asks for work)"""
    def act(s, c, f):
        work.file_work_request(s, current_user, c, f.title.data, f.details.data or "", today_jst())
    return _file(contract_id, F.CustomerWorkRequestForm(prefix="work"), "work_form", act)


def my_complaint_new(contract_id):
    """managed terms §31 (complaints window)"""
    def act(s, c, f):
        work.file_complaint(s, current_user, c, f.subject.data, f.details.data or "", today_jst())
    return _file(contract_id, F.CustomerComplaintForm(prefix="complaint"), "complaint_form", act)


def my_work(request_id):
    """managed terms §18.3, §18.4 (inspect: accept, or object within a week)"""
    s = db()
    wr = get_owned_or_404(s, WorkRequest, request_id)
    form = F.ObjectionForm()
    if form.validate_on_submit():
        def inspect():  # managed terms §18: object (reopens) or accept the completed work
            if form.note.data:
                work.object_to_work(s, current_user, wr, today_jst(), form.note.data)
            else:
                work.accept_completed_work(s, current_user, wr, today_jst())

        if commit_or_show(form, inspect) is not FAILED:
            flash(_("Saved."), "success")
            return redirect(url_for(f"{request.blueprint}.my_work", request_id=wr.id))
    return _page("customer_contract_work.html", 400 if form.is_submitted() else 200, wr=wr, form=form)


def my_invoices():
    """Every invoice of the party (a reseller: its OEM fees too), newest first, with what is open."""
    rows = db().execute(select(Invoice).order_by(Invoice.issued_on.desc(), Invoice.id.desc())).scalars().all()
    return _page("customer_invoices.html", invoices=rows, today=today_jst())


def my_invoice(invoice_id):
    """managed terms §20.3 (the invoice: the qualified-invoice document, printable)"""
    return document_response(get_owned_or_404(db(), Invoice, invoice_id), f"{request.blueprint}.my_invoice_pdf")


def my_invoice_pdf(invoice_id):
    invoice = get_owned_or_404(db(), Invoice, invoice_id)
    return pdf_response(invoice, url_for(f"{request.blueprint}.my_invoice_pdf", invoice_id=invoice.id))


def my_report(contract_id):
    """managed terms §29 (the annual service report)"""
    s = db()
    return report_response(s, get_owned_or_404(s, Contract, contract_id), _layout())


def rules(guard) -> list[tuple]:
    """The contract party's pages for a panel's URL table, each behind the panel's ``guard``."""
    return [
        ("/contracts", guard(my_contracts)),
        ("/contracts/<int:contract_id>", guard(my_contract)),
        ("/contracts/<int:contract_id>/work", guard(my_work_new), ["POST"]),
        ("/contracts/<int:contract_id>/complaints", guard(my_complaint_new), ["POST"]),
        ("/contracts/work/<int:request_id>", guard(my_work), ["GET", "POST"]),
        ("/invoices", guard(my_invoices)),
        ("/contracts/invoices/<int:invoice_id>", guard(my_invoice)),
        ("/contracts/invoices/<int:invoice_id>/pdf", guard(my_invoice_pdf)),
        ("/contracts/<int:contract_id>/report", guard(my_report)),
    ]
