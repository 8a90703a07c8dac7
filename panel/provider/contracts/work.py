"""Provider admin: work requests (§18), complaints (§31) and the annual service report (§29)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from panel.contract_party.report import report_response
from panel.provider.accounts import staff_only
from panel.provider.contracts import forms as F
from panel.provider.contracts.lifecycle import contract_step, send_mail_soon
from tenants.calendar import today_jst
from tenants.contracts import work
from tenants.contracts.service_models import WorkStatus
from tenants.models import Complaint, Contract, WorkRequest
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show
from web.paging import paginate


@staff_only
def contract_work_list():
    s = db()
    stmt = select(WorkRequest).order_by(WorkRequest.overdue.desc(), WorkRequest.id.desc())
    if request.args.get("open"):
        stmt = stmt.where(WorkRequest.status.in_([WorkStatus.REQUESTED, WorkStatus.ACCEPTED, WorkStatus.IN_PROGRESS]))
    page = paginate(s, stmt, open=request.args.get("open", ""))
    return render_template("provider/contract_work_list.html", page=page)


@staff_only
def contract_work_new(contract_id):
    def act(s, c, f):
        work.file_work_request(s, current_user, c, f.title.data, f.details.data or "", f.on.data)
        return _("Work request recorded.")
    return contract_step(contract_id, F.WorkRequestForm(prefix="work"), "work", act)


STEPS = {"accept": work.accept_work, "start": work.start_work, "complete": work.complete_work}


# managed terms §18; option spec (3 business days, completion mail)
@staff_only
def contract_work(request_id):
    s = db()
    wr = get_owned_or_404(s, WorkRequest, request_id)
    form = F.WorkStepForm()
    if not form.is_submitted():
        form.on.data = today_jst()
    if form.validate_on_submit() and \
            commit_or_show(form, lambda: STEPS[form.step.data](s, current_user, wr, form.on.data)) is not FAILED:
        if form.step.data == "complete":
            send_mail_soon()
        flash(_("Saved."), "success")
        return redirect(url_for("provider.contract_work", request_id=wr.id))
    return render_template("provider/contract_work.html", wr=wr, form=form), \
        400 if form.is_submitted() else 200


@staff_only
def contract_complaint_new(contract_id):
    def act(s, c, f):
        work.file_complaint(s, current_user, c, f.subject.data, f.details.data or "", f.on.data)
        return _("Complaint recorded.")
    return contract_step(contract_id, F.ComplaintForm(prefix="complaint"), "complaint", act)


# managed terms §31
@staff_only
def contract_complaint(complaint_id):
    s = db()
    complaint = get_owned_or_404(s, Complaint, complaint_id)
    form = F.ComplaintResponseForm(obj=complaint)
    if not form.is_submitted():
        form.on.data = today_jst()
    if form.validate_on_submit() and commit_or_show(form, lambda: work.respond_to_complaint(
            s, current_user, complaint, form.status.data, form.response.data or "", form.on.data)) is not FAILED:
        flash(_("Saved."), "success")
        return redirect(url_for("provider.contract_complaint", complaint_id=complaint.id))
    return render_template("provider/contract_complaint.html", complaint=complaint, form=form), \
        400 if form.is_submitted() else 200


@staff_only
def contract_report(contract_id):
    s = db()
    return report_response(s, get_owned_or_404(s, Contract, contract_id), "provider/layout.html")
