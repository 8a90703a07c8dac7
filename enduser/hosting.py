"""What every end-user hosting screen shares: the customer, running a change, enqueueing its work,
and the delete/retry buttons of each kind of object."""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from redis.exceptions import RedisError
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from enduser.forms import ActionForm
from enduser.home import enduser_object
from tenants.hosting import wanted as hosting
from tenants.hosting.failures import end_user_reason
from tenants.hosting.hostnames import to_unicode
from tenants.models import Customer, Domain
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show
from workers import api


def me() -> Customer:
    return get_owned_or_404(db(), Customer, current_user.customer_id)


def actor():
    return current_user._get_current_object()


def enqueue_work(works) -> None:
    """Hand the saved change to the provisioning workers (each job once)."""
    try:
        api.provision(works)
    except RedisError:
        flash(_("Saved, but the provisioning service cannot be reached now. Use Retry later."), "error")


def change(form, action):
    """Run a checked change; on success enqueue its work and return its result, else FAILED."""
    result = commit_or_show(form, action)
    if result is FAILED:
        return FAILED
    works = result[-1] if isinstance(result, tuple) else result
    enqueue_work(works)
    return result


def object_buttons(kind: str, model, list_endpoint: str, delete_rule, saved_message, list_args=None) -> list:
    """POST /<kind>/<id>/delete and /<kind>/<id>/retry for one kind of object."""
    def back(obj):
        return redirect(url_for(list_endpoint, **(list_args(obj) if list_args else {})))

    @enduser_object
    def delete(obj_id):
        obj = get_owned_or_404(db(), model, obj_id)
        form = ActionForm()
        if form.validate_on_submit():
            customer = me()
            if change(form, lambda: delete_rule(db(), actor(), customer, obj)) is not FAILED:
                flash(str(saved_message), "success")  # a refusal was flashed by show_problems
        return back(obj)

    @enduser_object
    def retry(obj_id):
        obj = get_owned_or_404(db(), model, obj_id)
        form = ActionForm()
        if form.validate_on_submit():
            customer = me()
            if change(form, lambda: hosting.retry(db(), actor(), customer, obj)) is not FAILED:
                flash(_("Trying again. The status changes when the server has applied it."), "info")
        return back(obj)

    delete.__name__, retry.__name__ = f"{kind}_delete", f"{kind}_retry"  # their endpoints
    return [(f"/{kind}/<int:obj_id>/delete", delete, ["POST"]), (f"/{kind}/<int:obj_id>/retry", retry, ["POST"])]


def domain_choices(customer: Customer):
    rows = db().execute(select(Domain).where(Domain.customer_id == customer.id, Domain.deleting.is_(False))
                        .order_by(Domain.name)).scalars()
    return [SelectChoice(str(d.id), to_unicode(d.name)) for d in rows]


def unicode_domain(name: str) -> str:
    """Show a punycode domain as its owner wrote it (例え.jp, not xn--r8jz45g.jp)."""
    return to_unicode(name) if name else ""


def failure_reason(reason: str | None) -> str:
    """Why a change failed, in the end user's language: our plain message, never a tool's output."""
    message = end_user_reason(reason)
    return _(message) if message else ""


def certificate_reason(reason: str | None) -> str:
    """Why the last certificate attempt failed, in the end user's language (ours only)."""
    from tenants.hosting.certificate_failures import NOT_ISSUED, REASONS

    if not reason:
        return ""
    return _(reason if reason in REASONS else NOT_ISSUED)
