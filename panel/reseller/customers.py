"""Business panel: customers (顧客管理), their end-user logins, and customers as CSV (export; import
with a dry run, all or nothing)."""
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from redis.exceptions import RedisError
from sqlalchemy import func, select
from wtforms import SelectChoice

from panel.reseller.accounts import operator_only
from panel.reseller.forms import (
    CancelForm,
    CsvImportForm,
    CustomerForm,
    MoveForm,
    NewCustomerForm,
    PasswordResetForm,
)
from tenants import audit
from tenants.calendar import today_jst
from tenants.customers import rules
from tenants.customers.csv_io import COLUMNS, export_customers, import_customers
from tenants.customers.listing import SORTS, STATUSES, list_customers
from tenants.hosting import moves
from tenants.models import AuditLog, Course, Customer, Domain, Server
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_flash, commit_or_show, form_status
from web.paging import page_number
from workers import api


def _choices(form: CustomerForm, customer: Customer | None = None) -> None:
    s = db()
    form.course_id.choices = [SelectChoice(c.id, c.name)
                              for c in s.execute(select(Course).order_by(Course.name)).scalars()]
    form.server_id.choices = [SelectChoice(0, _("(none)"))] + [
        SelectChoice(sv.id, sv.hostname) for sv in s.execute(select(Server).order_by(Server.hostname)).scalars()]
    if customer is not None and customer.server_id and \
            customer.server_id not in {choice.value for choice in form.server_id.choices}:
        # withdrawn by the provider: still the customer's server, kept unless the operator moves it
        form.server_id.choices.append(SelectChoice(customer.server_id, _(
            "%(host)s (no longer assigned to you)", host=rules.server_hostname(s, customer))))


def customer_data(form: CustomerForm) -> dict:
    data = {name: form[name].data for name in rules.CUSTOMER_FIELDS}
    data["server_id"] = data["server_id"] or None
    return data


@operator_only
def customers():
    q = (request.args.get("q") or "").strip()[:100]
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "newest"
    status = request.args.get("status") if request.args.get("status") in STATUSES else ""
    page = list_customers(db(), q=q, sort=sort, page=page_number(), status=status or None)
    # each status translated once per page, not once per row (the list is the panel's busiest page)
    return render_template("reseller/customers.html", page=page, q=q, sort=sort, status=status,
                           sorts=SORTS, statuses=STATUSES, status_labels={st: _(st) for st in STATUSES})


@operator_only
def customer_new():
    form = NewCustomerForm()
    _choices(form)
    if form.validate_on_submit():
        created = commit_or_show(form, lambda: rules.create_customer(
            db(), current_user, customer_data(form), form.login_id.data, form.password.data))
        if created is not FAILED:
            customer, password = created
            # Shown once, in this response only: never stored, never sent again.
            return render_template("reseller/customer_issued.html", customer=customer,
                                   login_id=customer.login_id, password=password, typed=bool(form.password.data))
    return render_template("reseller/customer_form.html", form=form, customer=None), form_status(form)


@operator_only
def customer(customer_id):
    s = db()
    c = get_owned_or_404(s, Customer, customer_id)
    form = CustomerForm(obj=c)
    _choices(form, c)
    if request.method == "GET":
        form.server_id.data = c.server_id or 0
    if form.validate_on_submit():
        works = commit_or_show(form, lambda: rules.update_customer(s, current_user, c, customer_data(form)))
        if works is not FAILED:
            _enqueue(works)
            flash(_("Customer saved."), "success")
            return redirect(url_for("reseller.customer", customer_id=c.id))
    history = s.execute(select(AuditLog).where(AuditLog.customer_id == c.id)
                        .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(20)).scalars().all()
    domains = s.scalar(select(func.count(Domain.id)).where(Domain.customer_id == c.id, Domain.deleting.is_(False)))
    return render_template("reseller/customer.html", c=c, form=form, history=history, domains=domains,
                           cancel_form=CancelForm(formdata=None), reset_form=PasswordResetForm(formdata=None),
                           **_move_page(c, MoveForm(formdata=None))), form_status(form)


def _move_page(c: Customer, move_form: MoveForm) -> dict:
    """The move card: the servers assigned to the reseller other than the customer's, and the
    latest move's progress and failure reason."""
    s = db()
    move_form.to_server_id.choices = [SelectChoice(sv.id, sv.hostname) for sv in s.execute(
        select(Server).order_by(Server.hostname)).scalars() if sv.id != c.server_id]
    move = moves.latest_move(s, c.id)
    return {"move_form": move_form, "move": move, "step_labels": moves.STEP_LABELS,
            "move_target": moves.target_name(s, move) if move else None,
            "can_move": c.server_id is not None and rules.has_hosting(s, c.id)}


@operator_only
def customer_move(customer_id):
    """Start moving the customer (its hosting) to another server assigned to the reseller."""
    s = db()
    c = get_owned_or_404(s, Customer, customer_id)
    form = MoveForm()
    move = commit_or_show(form, lambda: moves.start_move(s, current_user, c, form.to_server_id.data))
    if move is FAILED:
        history = s.execute(select(AuditLog).where(AuditLog.customer_id == c.id)
                            .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(20)).scalars().all()
        customer_form = CustomerForm(obj=c)
        _choices(customer_form, c)
        customer_form.server_id.data = c.server_id or 0
        domains = s.scalar(select(func.count(Domain.id)).where(Domain.customer_id == c.id,
                                                               Domain.deleting.is_(False)))
        return render_template("reseller/customer.html", c=c, form=customer_form, history=history, domains=domains,
                               cancel_form=CancelForm(formdata=None), reset_form=PasswordResetForm(formdata=None),
                               **_move_page(c, form)), 400
    api.move_customer(move.id)
    flash(_("The move has started; its progress is shown below."), "success")
    return redirect(url_for("reseller.customer", customer_id=c.id))


def _enqueue(works) -> None:
    """Hand a saved suspension or resumption to the provisioning workers."""
    try:
        api.provision(works or [])
    except RedisError:
        flash(_("Saved, but the provisioning service cannot be reached now. Use Retry later."), "error")


def _act(customer_id, action, *args):
    s = db()
    c = get_owned_or_404(s, Customer, customer_id)
    works = commit_or_flash(lambda: action(s, current_user, c, *args))
    if works is FAILED:
        return redirect(url_for("reseller.customer", customer_id=customer_id)), 303
    _enqueue(works)
    flash(_("Saved."), "success")
    return redirect(url_for("reseller.customer", customer_id=customer_id))


@operator_only
def customer_suspend(customer_id):
    return _act(customer_id, rules.suspend_customer)


@operator_only
def customer_resume(customer_id):
    return _act(customer_id, rules.resume_customer)


@operator_only
def customer_cancel(customer_id):

    form = CancelForm()
    if not form.validate_on_submit():
        get_owned_or_404(db(), Customer, customer_id)
        flash(_("Enter a date as YYYY-MM-DD."), "error")
        return redirect(url_for("reseller.customer", customer_id=customer_id)), 303
    return _act(customer_id, rules.cancel_customer, form.cancel_on.data, today_jst())


@operator_only
def customer_delete(customer_id):
    s = db()
    c = get_owned_or_404(s, Customer, customer_id)
    if request.form.get("confirm") != c.login_id:
        flash(_("Type the login ID to confirm the deletion."), "error")
        return redirect(url_for("reseller.customer", customer_id=customer_id)), 303
    rules.delete_customer(s, current_user, c, today_jst())
    s.commit()
    api.remove_customer(c.id)
    flash(_("Customer deleted. What it owns is being removed from the server."), "success")
    return redirect(url_for("reseller.customers"))


@operator_only
def customer_password(customer_id):
    s = db()
    c = get_owned_or_404(s, Customer, customer_id)
    form = PasswordResetForm()
    form.validate_on_submit()
    password = commit_or_flash(lambda: rules.reset_password(s, current_user, c, form.password.data))
    if password is FAILED:
        return redirect(url_for("reseller.customer", customer_id=customer_id)), 303
    return render_template("reseller/customer_issued.html", customer=c, login_id=c.login_id, password=password,
                           typed=bool(form.password.data))


@operator_only
def customer_support(customer_id):
    """Open the end-user panel as this customer (support view; audited as the operator)."""
    from flask import session

    from tenants.customers import support_view
    from web.auth import client_address

    s = db()
    c = get_owned_or_404(s, Customer, customer_id)
    if commit_or_flash(lambda: support_view.start(s, current_user, c, address=client_address())) is FAILED:
        return redirect(url_for("reseller.customer", customer_id=c.id)), 303
    session["support_customer_id"] = c.id
    return redirect(url_for("enduser.dashboard", code=current_user.reseller.code))


MAX_CSV_BYTES = 8 * 1024 * 1024


@operator_only
def customers_export():
    s = db()
    body = export_customers(s)
    audit.record(s, current_user, "customer.export", None, "exported customers as CSV")
    s.commit()
    name = f"customers-{today_jst().isoformat()}.csv"
    return Response("\ufeff" + body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@operator_only
def customers_import():
    form = CsvImportForm()
    report = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        raw = upload.read(MAX_CSV_BYTES + 1) if upload else b""
        s = db()
        if not raw:
            form.file.errors = [_("Choose a CSV file.")]
            status = 400
        elif len(raw) > MAX_CSV_BYTES:
            form.file.errors = [_("The file is larger than %(mb)s MB.", mb=MAX_CSV_BYTES // 1048576)]
            status = 400
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                form.file.errors = [_("The file is not UTF-8 text.")]
                status = 400
            else:
                report = import_customers(s, current_user, text, dry_run=form.dry_run.data)
                if report.ok and not form.dry_run.data:
                    audit.record(s, current_user, "customer.import", None,
                                 f"imported customers: {report.created} created, {report.updated} updated")
                    s.commit()
                    _enqueue(report.works)
                else:
                    s.rollback()
                    status = 200 if report.ok else 400
    problems = [(rp.line, rp.field, rp.problem.render(_)) for rp in report.problems] if report else []
    return render_template("reseller/customers_import.html", form=form, report=report, columns=COLUMNS,
                           dry_run=form.dry_run.data, problems=problems), status
