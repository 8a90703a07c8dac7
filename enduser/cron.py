"""End-user panel: cron jobs (issue 16 item 5), run as the customer's own user on its server."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from enduser.forms import ActionForm, CronForm
from enduser.home import enduser_only
from enduser.hosting import actor, change, me, object_buttons
from tenants.hosting import cron_jobs
from tenants.hosting.cron_models import CronJob
from web.db import db
from web.forms import FAILED, form_status


@enduser_only
def cron():
    customer = me()
    form = CronForm()
    if form.validate_on_submit():
        made = change(form, lambda: cron_jobs.create_cron(db(), actor(), customer, form.schedule.data,
                                                          form.command.data, form.output.data))
        if made is not FAILED:
            flash(_("The cron job was added. It is being set up on the server."), "success")
            return redirect(url_for("enduser.cron"))
    rows = db().execute(select(CronJob).where(CronJob.customer_id == customer.id, CronJob.deleting.is_(False))
                        .order_by(CronJob.id)).scalars().all()
    return render_template("enduser/cron.html", form=form, rows=rows, action=ActionForm()), form_status(form)


BUTTONS = object_buttons("cron", CronJob, "enduser.cron", cron_jobs.delete_cron, _l("The cron job is being removed."))
