"""End-user panel: SFTP/SSH accounts (issue 16 item 4), logins that work as the customer's own
system user on its server; chrooted SFTP, or a shell where the course allows it."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from enduser.forms import ActionForm, SftpEditForm, SftpForm
from enduser.home import enduser_only
from enduser.hosting import actor, change, enduser_object, me, object_buttons
from tenants.hosting import sftp
from tenants.models import Course, SftpAccount
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, form_status


def _shell_allowed(customer) -> bool:
    course = db().get(Course, customer.course_id)
    return bool(course and course.shell_allowed)


@enduser_only
def ssh():
    customer = me()
    form = SftpForm()
    if form.validate_on_submit():
        made = change(form, lambda: sftp.create_sftp(db(), actor(), customer, form.name.data, form.password.data or "",
                                                     form.public_keys.data or "", bool(form.shell.data)))
        if made is not FAILED:
            flash(_("The SFTP/SSH user %(name)s was added. It is being set up on the server.", name=made[0].name),
                  "success")
            return redirect(url_for("enduser.ssh"))
    rows = db().execute(select(SftpAccount).where(SftpAccount.customer_id == customer.id)
                        .order_by(SftpAccount.id)).scalars().all()
    return render_template("enduser/ssh.html", form=form, rows=rows, action=ActionForm(),
                           shell_allowed=_shell_allowed(customer), home=f"/{customer.id}"), form_status(form)


@enduser_object
def ssh_account(sftp_id):
    account = get_owned_or_404(db(), SftpAccount, sftp_id)
    form = SftpEditForm()
    if not form.is_submitted():
        form.public_keys.data, form.shell.data = account.public_keys, account.shell
    if form.validate_on_submit():
        customer = me()
        done = change(form, lambda: sftp.update_sftp(db(), actor(), customer, account, form.password.data or "",
                                                     form.public_keys.data or "", bool(form.shell.data),
                                                     bool(form.remove_password.data)))
        if done is not FAILED:
            flash(_("Saved. The change is being applied on the server."), "success")
            return redirect(url_for("enduser.ssh"))
    return render_template("enduser/ssh_account.html", form=form, account=account,
                           shell_allowed=_shell_allowed(me())), form_status(form)


BUTTONS = object_buttons("ssh", SftpAccount, "enduser.ssh", sftp.delete_sftp, _l("The SFTP/SSH user is being removed."))
