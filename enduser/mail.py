"""End-user screens for mail: mail accounts and mailing lists."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from enduser.forms import ActionForm, AutoreplyForm, ListForm, MailboxEditForm, MailboxForm, MembersForm
from enduser.home import enduser_only
from enduser.hosting import actor, change, domain_choices, enduser_object, me, object_buttons
from tenants.hosting import autoreply as autoreply_rules
from tenants.hosting import mail as mail_rules
from tenants.models import Course, MailAccount, MailingList
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, form_status


def _mine(model):
    customer = me()
    return list(db().execute(select(model).where(model.customer_id == customer.id).order_by(model.id)).scalars())


@enduser_only
def mail():
    customer = me()
    course = db().get(Course, customer.course_id)
    form = MailboxForm()
    form.domain_id.choices = domain_choices(customer)
    if form.validate_on_submit():
        made = change(form, lambda: mail_rules.create_mailbox(
            db(), actor(), customer, form.domain_id.data, form.local_part.data, form.password.data,
            form.quota_mb.data, form.forwards.data or "", form.keep_copy.data))
        if made is not FAILED:
            flash(_("The mailbox %(address)s was added. It is being set up on the server.",
                    address=made[0].address), "success")
            return redirect(url_for("enduser.mail"))
    return render_template("enduser/mail.html", form=form, rows=_mine(MailAccount), course=course,
                           action=ActionForm()), form_status(form)


@enduser_object
def mailbox(mailbox_id):
    box = get_owned_or_404(db(), MailAccount, mailbox_id)
    form = MailboxEditForm(obj=None)
    if not form.is_submitted():
        form.quota_mb.data, form.forwards.data, form.keep_copy.data = str(box.quota_mb), box.forwards, box.keep_copy
    if form.validate_on_submit():
        customer = me()
        done = change(form, lambda: mail_rules.update_mailbox(db(), actor(), customer, box, form.password.data or "",
                                                              form.quota_mb.data, form.forwards.data or "",
                                                              form.keep_copy.data))
        if done is not FAILED:
            flash(_("Saved. The change is being applied on the server."), "success")
            return redirect(url_for("enduser.mail"))
    return render_template("enduser/mailbox.html", form=form, box=box, reply_form=_reply_form(box)), \
        form_status(form)


def _reply_form(box: MailAccount) -> AutoreplyForm:
    """The autoresponder's form as saved."""
    saved = autoreply_rules.of(box)
    form = AutoreplyForm(formdata=None)
    form.on.data, form.subject.data, form.body.data = saved.on, saved.subject, saved.body
    form.start.data = saved.start.isoformat() if saved.start else ""
    form.end.data = saved.end.isoformat() if saved.end else ""
    form.days.data = str(saved.days)
    return form


@enduser_object
def mailbox_autoreply(mailbox_id):
    """The mailbox's autoresponder (issue 17): saved, then applied on the server as a sieve script."""
    box = get_owned_or_404(db(), MailAccount, mailbox_id)
    reply_form = AutoreplyForm()
    if reply_form.validate_on_submit():
        customer = me()
        done = change(reply_form, lambda: autoreply_rules.set_autoreply(
            db(), actor(), customer, box, reply_form.on.data, reply_form.subject.data or "",
            reply_form.body.data or "", reply_form.start.data, reply_form.end.data, reply_form.days.data))
        if done is not FAILED:
            flash(_("Saved. The change is being applied on the server."), "success")
            return redirect(url_for("enduser.mailbox", mailbox_id=box.id))
    form = MailboxEditForm(formdata=None)
    form.quota_mb.data, form.forwards.data, form.keep_copy.data = str(box.quota_mb), box.forwards, box.keep_copy
    return render_template("enduser/mailbox.html", form=form, box=box, reply_form=reply_form), \
        form_status(reply_form)


@enduser_only
def lists():
    customer = me()
    form = ListForm()
    form.domain_id.choices = domain_choices(customer)
    if form.validate_on_submit():
        made = change(form, lambda: mail_rules.create_list(db(), actor(), customer, form.domain_id.data,
                                                           form.local_part.data, form.members.data or ""))
        if made is not FAILED:
            flash(_("The mailing list %(address)s was added. It is being set up on the server.",
                    address=made[0].address), "success")
            return redirect(url_for("enduser.lists"))
    return render_template("enduser/lists.html", form=form, rows=_mine(MailingList),
                           action=ActionForm()), form_status(form)


@enduser_object
def list_members(list_id):
    ml = get_owned_or_404(db(), MailingList, list_id)
    form = MembersForm()
    if not form.is_submitted():
        form.members.data = "\n".join(m.address for m in ml.members)
    if form.validate_on_submit():
        customer = me()
        done = change(form, lambda: mail_rules.set_members(db(), actor(), customer, ml, form.members.data or ""))
        if done is not FAILED:
            flash(_("Saved. The change is being applied on the server."), "success")
            return redirect(url_for("enduser.lists"))
    return render_template("enduser/list_members.html", form=form, ml=ml), form_status(form)


BUTTONS = (
    object_buttons("mail", MailAccount, "enduser.mail", mail_rules.delete_mailbox,
                   _l("The mailbox is being removed from the server.")) +
    object_buttons("lists", MailingList, "enduser.lists", mail_rules.delete_list,
                   _l("The mailing list is being removed from the server."))
)
