"""End-user screens for mail aliases and the catch-all of each domain (tenants/hosting/aliases.py)."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from enduser.forms import ActionForm, AliasEditForm, AliasForm, CatchAllForm
from enduser.home import enduser_only
from enduser.hosting import actor, change, domain_choices, enduser_object, me, object_buttons
from tenants.hosting import aliases as alias_rules
from tenants.models import MailAlias
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, form_status


def _page(form: AliasForm, catch_all: CatchAllForm):
    customer = me()
    rows = list(db().execute(select(MailAlias).where(MailAlias.customer_id == customer.id)
                             .order_by(MailAlias.local_part == "", MailAlias.id)).scalars())
    status = max(form_status(form), form_status(catch_all))
    return render_template("enduser/aliases.html", form=form, catch_all=catch_all, rows=rows,
                           action=ActionForm()), status


def _catch_all_form() -> CatchAllForm:
    form = CatchAllForm(prefix="catchall")
    form.domain_id.choices = domain_choices(me())
    return form


@enduser_only
def aliases():
    form = AliasForm()
    if form.validate_on_submit():
        customer = me()
        made = change(form, lambda: alias_rules.create_alias(db(), actor(), customer, form.address.data or "",
                                                             form.targets.data or ""))
        if made is not FAILED:
            flash(_("The alias %(address)s was added. It is being set up on the server.",
                    address=made[0].address), "success")
            return redirect(url_for("enduser.aliases"))
    return _page(form, _catch_all_form())


@enduser_only
def catch_all():
    form = _catch_all_form()
    if form.validate_on_submit():
        customer = me()
        made = change(form, lambda: alias_rules.set_catch_all(db(), actor(), customer, form.domain_id.data,
                                                              form.targets.data or ""))
        if made is not FAILED:
            flash(_("The catch-all was saved. It is being set up on the server."), "success")
            return redirect(url_for("enduser.aliases"))
    return _page(AliasForm(formdata=None), form)


@enduser_object
def alias(alias_id):
    row = get_owned_or_404(db(), MailAlias, alias_id)
    form = AliasEditForm()
    if not form.is_submitted():
        form.targets.data = row.targets
    if form.validate_on_submit():
        customer = me()
        done = change(form, lambda: alias_rules.update_alias(db(), actor(), customer, row, form.targets.data or ""))
        if done is not FAILED:
            flash(_("Saved. The change is being applied on the server."), "success")
            return redirect(url_for("enduser.aliases"))
    return render_template("enduser/alias.html", form=form, alias=row), form_status(form)


BUTTONS = object_buttons("aliases", MailAlias, "enduser.aliases", alias_rules.delete_alias,
                         _l("The alias is being removed from the server."))
