"""End-user backups (issue 18): the generations of their own hosting (date, size, result) and the
restore of a file or folder into a new ``restored-<date>/`` folder of their home, after a
confirmation step. The rules are in tenants/backups/restores.py; the job runs through workers.api."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

import workers.api
from enduser.home import enduser_object, enduser_only
from enduser.hosting import actor, me
from tenants.backups import restores
from tenants.backups.models import BackupEntry, BackupRestore
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show, form_status


class RestoreForm(FlaskForm):
    generation = SelectField(_l("Generation"), coerce=int, validate_choice=False)
    path = StringField(_l("File or folder of your home"), validators=[DataRequired(), Length(max=1000)])
    confirm = HiddenField()


def _page(form, status=200, confirm=None):
    customer = me()
    entries = restores.generations_of(db(), customer.id)
    done = list(db().execute(select(BackupRestore).where(BackupRestore.customer_id == customer.id)
                             .order_by(BackupRestore.id.desc()).limit(20)).scalars())
    form.generation.choices = [(e.id, e.run.day) for e in entries]
    return render_template("enduser/backups.html", form=form, entries=entries, restores=done,
                           confirm=confirm), status


@enduser_only
def backups():
    form = RestoreForm()
    if not form.validate_on_submit():
        return _page(form, form_status(form))
    entry = db().get(BackupEntry, form.generation.data) if form.generation.data else None
    if entry is None or entry.customer_id != me().id:
        form.generation.errors = [_("Choose one of the listed values.")]
        return _page(form, 400)
    if form.confirm.data != "yes":  # the confirmation step: nothing is queued before it
        path = commit_or_show(form, lambda: restores.home_path(form.path.data))
        if path is FAILED:
            return _page(form, 400)
        form.confirm.data = "yes"
        return _page(form, 200, confirm={"path": path, "day": entry.run.day, "into": f"restored-{entry.run.day}"})
    made = commit_or_show(form, lambda: restores.request_restore(db(), actor(), entry, "files", form.path.data,
                                                                 by="enduser", confirmed=True))
    if made is FAILED:
        return _page(form, 400)
    workers.api.restore_backup(made.id)
    flash(_("The restore has started. The files will appear in the folder %(folder)s of your home.",
            folder=made.into), "success")
    return redirect(url_for("enduser.backup_restore", restore_id=made.id))


@enduser_object
def backup_restore(restore_id):
    restore = get_owned_or_404(db(), BackupRestore, restore_id)
    return render_template("enduser/backup_restore.html", restore=restore)
