"""Provider admin: customers locked for abuse (tenants/customers/abuse_lock.py) — lock one with a
reason the reseller reads, lift a lock with a reason; the stop and the restart are applied on the
customer's server by the provisioning workers."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from redis.exceptions import RedisError

from panel.provider.accounts import staff_only
from panel.provider.forms import AbuseLockForm, AbuseUnlockForm
from tenants.customers import abuse_lock
from tenants.models import Customer
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show, form_status
from workers import api


def _enqueue(works) -> None:
    try:
        api.provision(works or [])
    except RedisError:
        flash(_("Saved, but the provisioning service cannot be reached now. Use Retry later."), "error")


def _page(form: AbuseLockForm, unlock_form: AbuseUnlockForm, failed_id: int | None = None):
    status = max(form_status(form), form_status(unlock_form))
    return render_template("provider/abuse_locks.html", form=form, unlock_form=unlock_form, failed_id=failed_id,
                           rows=abuse_lock.abuse_locked(db())), status


@staff_only
def abuse_locks():
    s = db()
    form = AbuseLockForm()
    if form.validate_on_submit():
        def lock():
            customer = abuse_lock.find_customer(s, form.reseller_code.data, form.login_id.data)
            return abuse_lock.lock_for_abuse(s, current_user, customer, form.reason.data)

        works = commit_or_show(form, lock)
        if works is not FAILED:
            _enqueue(works)
            flash(_("The customer is locked. Its hosting is being stopped on its server."), "success")
            return redirect(url_for("provider.abuse_locks"))
    return _page(form, AbuseUnlockForm(formdata=None))


@staff_only
def abuse_unlock(customer_id):
    s = db()
    customer = get_owned_or_404(s, Customer, customer_id)
    form = AbuseUnlockForm()
    if form.validate_on_submit():
        works = commit_or_show(form, lambda: abuse_lock.unlock(s, current_user, customer, form.reason.data))
        if works is not FAILED:
            _enqueue(works)
            flash(_("The lock is lifted. The customer's hosting is being restored."), "success")
            return redirect(url_for("provider.abuse_locks"))
    return _page(AbuseLockForm(formdata=None), form, customer.id)
