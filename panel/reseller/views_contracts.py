"""Business panel: the reseller's own managed-service contracts as the customer sees them —
contract, options, invoices, work requests (file, object, accept), complaints, annual report.
Scoping: the contract tables show a reseller operator only its own reseller's rows."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from panel.provider import forms_contracts as F
from panel.provider.views_contract_work import report_response
from panel.reseller import NAV, bp
from panel.reseller.views_home import operator_only
from tenants import contract_work as work
from tenants.business_calendar import today_jst
from tenants.contract_options import OPTION_KINDS
from tenants.models import Complaint, Contract, Invoice, WorkRequest
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show

NAV.append(("reseller.my_contracts", _l("Managed contracts")))


@bp.get("/contracts")
@operator_only
def my_contracts():
    rows = db().execute(select(Contract).order_by(Contract.id.desc())).scalars().all()
    return render_template("reseller/contracts.html", contracts=rows)


def _render(s, contract: Contract, status: int = 200, work_form=None, complaint_form=None):
    return render_template(
        "reseller/contract.html", c=contract, option_kinds=OPTION_KINDS,
        invoices=s.execute(select(Invoice).where(Invoice.contract_id == contract.id)
                           .order_by(Invoice.service_month.desc())).scalars().all(),
        work=s.execute(select(WorkRequest).where(WorkRequest.contract_id == contract.id)
                       .order_by(WorkRequest.id.desc())).scalars().all(),
        complaints=s.execute(select(Complaint).where(Complaint.contract_id == contract.id)
                             .order_by(Complaint.id.desc())).scalars().all(),
        work_form=work_form or F.CustomerWorkRequestForm(prefix="work"),
        complaint_form=complaint_form or F.CustomerComplaintForm(prefix="complaint")), status


@bp.get("/contracts/<int:contract_id>")
@operator_only
def my_contract(contract_id):
    s = db()
    return _render(s, get_owned_or_404(s, Contract, contract_id))


def _file(contract_id, form, key, action):
    s = db()
    contract = get_owned_or_404(s, Contract, contract_id)
    if form.validate_on_submit() and commit_or_show(form, lambda: action(s, contract, form)) is not FAILED:
        flash(_("Sent to the provider."), "success")
        return redirect(url_for("reseller.my_contract", contract_id=contract.id))
    return _render(s, contract, 400, **{key: form})


# managed terms §18.1 (the customer asks for work)
@bp.post("/contracts/<int:contract_id>/work")
@operator_only
def my_work_new(contract_id):
    def act(s, c, f):
        work.file_work_request(s, current_user, c, f.title.data, f.details.data or "", today_jst())
    return _file(contract_id, F.CustomerWorkRequestForm(prefix="work"), "work_form", act)


# managed terms §31 (complaints window)
@bp.post("/contracts/<int:contract_id>/complaints")
@operator_only
def my_complaint_new(contract_id):
    def act(s, c, f):
        work.file_complaint(s, current_user, c, f.subject.data, f.details.data or "", today_jst())
    return _file(contract_id, F.CustomerComplaintForm(prefix="complaint"), "complaint_form", act)


# managed terms §18.3, §18.4 (inspect: accept, or object within a week)
@bp.route("/contracts/work/<int:request_id>", methods=["GET", "POST"])
@operator_only
def my_work(request_id):
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
            return redirect(url_for("reseller.my_work", request_id=wr.id))
    return render_template("reseller/contract_work.html", wr=wr, form=form), \
        400 if form.is_submitted() else 200


@bp.get("/contracts/invoices/<int:invoice_id>")
@operator_only
def my_invoice(invoice_id):
    return render_template("contract_invoice_print.html", invoice=get_owned_or_404(db(), Invoice, invoice_id))


@bp.get("/contracts/<int:contract_id>/report")
@operator_only
def my_report(contract_id):
    s = db()
    return report_response(s, get_owned_or_404(s, Contract, contract_id), "reseller/layout.html")
