"""Provider admin: managed-service contracts — list, application, detail and lifecycle steps,
contract data with its history and successions, options (managed terms §5, §6, §9–§11)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from panel.provider.accounts import staff_only
from panel.provider.contracts import billing_forms as B
from panel.provider.contracts import forms as F
from tenants.calendar import month_end, today_jst
from tenants.contracts import lifecycle as rules
from tenants.contracts.logins import login_of
from tenants.contracts.models import PARTY_FIELDS, ContractStatus
from tenants.contracts.options import OPTION_KINDS, add_option, cancel_option, monitoring_features
from tenants.errors import RuleViolation
from tenants.models import Complaint, Contract, ContractOption, Invoice, OutboxMail, Reseller, Server, WorkRequest
from tenants.outbox.rules import anything_due
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import show_problems
from web.paging import paginate
from workers import api

STATUSES = tuple(ContractStatus)


def send_mail_soon() -> None:
    """Queued contract mail goes out through the notifications worker."""
    api.send_outbox()


def _forms(contract: Contract, **given) -> dict:
    today = today_jst()
    forms = {
        "accept": F.DateActionForm(prefix="accept", on=today),
        "refuse": F.RefuseForm(prefix="refuse", on=today),
        "notice": F.DateActionForm(prefix="notice", on=today),
        "confirm": F.ConfirmForm(prefix="confirm"),
        "cancel": F.CancellationForm(prefix="cancel", notified_on=today),
        "option": F.OptionForm(prefix="option", starts_on=today),
        "option_cancel": F.CancellationForm(prefix="optcancel", notified_on=today),
        "suspend": F.SuspensionForm(prefix="suspend"),
        "terminate": F.TerminationForm(prefix="terminate"),
        "work": F.WorkRequestForm(prefix="work", on=today),
        "complaint": F.ComplaintForm(prefix="complaint", on=today),
        "extra": B.ExtraChargeForm(prefix="extra", done_on=today, issued_on=today, due_on=month_end(today)),
    }
    forms.update(given)
    forms["extra"].corrects.choices = correctable(contract)
    return forms


def correctable(contract: Contract) -> list[SelectChoice]:
    """The contract's invoices an extra charge may correct (修正: a further charge referring to one)."""
    rows = db().execute(select(Invoice.id, Invoice.number).where(Invoice.contract_id == contract.id)
                        .order_by(Invoice.id)).all()
    return [SelectChoice(0, "—")] + [SelectChoice(i, number) for i, number in rows]


def render_contract(s, contract: Contract, status: int = 200, **given):
    invoices = s.execute(select(Invoice).where(Invoice.contract_id == contract.id)
                         .order_by(Invoice.service_month, Invoice.kind)).scalars().all()
    work = s.execute(select(WorkRequest).where(WorkRequest.contract_id == contract.id)
                     .order_by(WorkRequest.id.desc())).scalars().all()
    complaints = s.execute(select(Complaint).where(Complaint.contract_id == contract.id)
                           .order_by(Complaint.id.desc())).scalars().all()
    mails = s.execute(select(OutboxMail).where(OutboxMail.contract_id == contract.id)
                      .order_by(OutboxMail.id.desc())).scalars().all()
    return render_template("provider/contract.html", c=contract, invoices=invoices, work=work,
                           complaints=complaints, mails=mails, option_kinds=OPTION_KINDS,
                           features=sorted(monitoring_features(contract, today_jst())),
                           forms=_forms(contract, **given), today=today_jst()), status


def contract_step(contract_id: int, form, key: str, action):
    """Validate ``form``; run ``action(session, contract, form)``; show problems beside the form."""
    s = db()
    contract = get_owned_or_404(s, Contract, contract_id)
    if form.validate_on_submit():
        try:
            message = action(s, contract, form)
        except RuleViolation as exc:
            s.rollback()
            contract = get_owned_or_404(s, Contract, contract_id)
            show_problems(form, exc)
        else:
            s.commit()
            if anything_due(s):
                send_mail_soon()
            flash(message, "success")
            return redirect(url_for("provider.contract", contract_id=contract.id))
    return render_contract(s, contract, 400, **{key: form})


@staff_only
def contracts():
    s = db()
    status = request.args.get("status", "")
    stmt = select(Contract).order_by(Contract.id.desc())
    if status in STATUSES:
        stmt = stmt.where(Contract.status == status)
    page = paginate(s, stmt, status=status)
    return render_template("provider/contracts.html", page=page, status=status, statuses=STATUSES)


def _application_form(s) -> F.ApplicationForm:
    form = F.ApplicationForm()
    form.reseller_id.choices = [SelectChoice(0, _("No: a direct customer"))] + [
        SelectChoice(r.id, f"{r.code} — {r.name}") for r in s.execute(select(Reseller).order_by(Reseller.code)).scalars()]
    form.server_id.choices = [SelectChoice(0, _("Not yet chosen"))] + [
        SelectChoice(sv.id, sv.hostname) for sv in s.execute(select(Server).order_by(Server.hostname)).scalars()]
    if not form.is_submitted():
        form.applied_on.data = today_jst()
    return form


# managed terms §5.1 (application with the initial-settings form)
@staff_only
def contract_new():
    s = db()
    form = _application_form(s)
    if form.validate_on_submit():
        try:
            party = rules.register_party(s, current_user, {**{f: form[f].data for f in PARTY_FIELDS},
                                                           "reseller_id": form.reseller_id.data or None})
            contract = rules.apply(s, current_user, party, server_id=form.server_id.data or None,
                                   monthly_fee=form.monthly_fee.data, initial_fee=form.initial_fee.data,
                                   applied_on=form.applied_on.data,
                                   settings={k: form[k].data for k in rules.SETTINGS_FIELDS})
        except RuleViolation as exc:
            s.rollback()
            show_problems(form, exc)
        else:
            s.commit()
            flash(_("Application recorded."), "success")
            return redirect(url_for("provider.contract", contract_id=contract.id))
    status = 400 if form.is_submitted() else 200
    return render_template("provider/contract_new.html", form=form), status


@staff_only
def contract(contract_id):
    s = db()
    return render_contract(s, get_owned_or_404(s, Contract, contract_id))


@staff_only
def contract_accept(contract_id):
    def act(s, c, f):
        rules.accept(s, current_user, c, f.on.data)
        return _("Application accepted.")
    return contract_step(contract_id, F.DateActionForm(prefix="accept"), "accept", act)


@staff_only
def contract_refuse(contract_id):
    def act(s, c, f):
        rules.refuse(s, current_user, c, f.refusal_ground.data, f.note.data, f.on.data)
        return _("Application refused.")
    return contract_step(contract_id, F.RefuseForm(prefix="refuse"), "refuse", act)


@staff_only
def contract_notice(contract_id):
    def act(s, c, f):
        rules.send_start_notice(s, current_user, c, f.on.data)
        return _("Start-of-service notice sent.")
    return contract_step(contract_id, F.DateActionForm(prefix="notice"), "notice", act)


@staff_only
def contract_confirm(contract_id):
    def act(s, c, f):
        rules.confirm(s, current_user, c, f.billing_starts_on.data, today_jst())
        return _("Confirmation recorded.")
    return contract_step(contract_id, F.ConfirmForm(prefix="confirm"), "confirm", act)


@staff_only
def contract_cancel(contract_id):
    def act(s, c, f):
        charge = rules.notify_cancellation(s, current_user, c, f.notified_on.data, f.cancellation_date.data)
        return _("Cancellation recorded; early-cancellation charge %(charge)s yen.", charge=f"{charge:,}")
    return contract_step(contract_id, F.CancellationForm(prefix="cancel"), "cancel", act)


@staff_only
def contract_option_add(contract_id):
    def act(s, c, f):
        add_option(s, current_user, c, f.kind.data, f.starts_on.data, f.monthly_fee.data)
        return _("Option added.")
    return contract_step(contract_id, F.OptionForm(prefix="option"), "option", act)


@staff_only
def contract_option_cancel(option_id):
    option = get_owned_or_404(db(), ContractOption, option_id)

    def act(s, c, f):
        charge = cancel_option(s, current_user, option, f.notified_on.data, f.cancellation_date.data)
        return _("Option cancelled; early-cancellation charge %(charge)s yen.", charge=f"{charge:,}")
    return contract_step(option.contract_id, F.CancellationForm(prefix="optcancel"), "option_cancel", act)


# managed terms §10 (contract data and its change history), §9 (succession)
@staff_only
def contract_party(contract_id):
    s = db()
    contract = get_owned_or_404(s, Contract, contract_id)
    party = contract.party
    form = F.PartyChangeForm(obj=party)
    succession = F.SuccessionForm(prefix="succ")
    if not form.is_submitted():
        form.notified_on.data = succession.notified_on.data = today_jst()
    if request.method == "POST":
        target = succession if "succ-successor_name" in request.form else form
        if target.validate_on_submit():
            try:
                if target is succession:
                    rules.record_succession(s, current_user, party, succession.successor_name.data,
                                            succession.succeeded_on.data, succession.notified_on.data,
                                            succession.notes.data or "")
                else:
                    rules.update_party(s, current_user, party, {f: form[f].data for f in PARTY_FIELDS},
                                       form.notified_on.data)
            except RuleViolation as exc:
                s.rollback()
                show_problems(target, exc)
            else:
                s.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("provider.contract_party", contract_id=contract.id))
    status = 400 if request.method == "POST" else 200
    return render_template("provider/contract_party.html", c=contract, party=party, form=form,
                           succession=succession, party_login=login_of(s, party)), status
