"""End-user backups (issue 18): the generations of their own hosting (date, size, result) and the
restore of a file or folder into a new ``restored-<date>/`` folder of their home, after a
confirmation step. The rules are in tenants/backups/restores.py; the job runs through workers.api."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

import workers.api
from enduser.home import enduser_object, enduser_only
from enduser.hosting import actor, enqueue_work, me
from tenants.backups import restores
from tenants.backups.models import BackupEntry, BackupRestore
from tenants.hosting import databases as database_rules
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show, form_status


class RestoreForm(FlaskForm):
    generation = SelectField(_l("Generation"), coerce=int, validate_choice=False)
    path = StringField(_l("File or folder of your home"), validators=[DataRequired(), Length(max=1000)])
    confirm = HiddenField()


class DatabaseRestoreForm(FlaskForm):
    generation = SelectField(_l("Generation"), coerce=int, validate_choice=False)
    database = StringField(_l("Database of that day"), validators=[DataRequired(), Length(max=200)])
    name = StringField(_l("New database name"), validators=[DataRequired(), Length(max=64)])
    confirm = HiddenField()


def _page(form, status=200, confirm=None, db_form=None, db_confirm=None, issued=None):
    customer = me()
    entries = restores.generations_of(db(), customer.id)
    done = list(db().execute(select(BackupRestore).where(BackupRestore.customer_id == customer.id)
                             .order_by(BackupRestore.id.desc()).limit(20)).scalars())
    form.generation.choices = [(e.id, e.run.day) for e in entries]
    db_form = db_form or DatabaseRestoreForm(formdata=None)
    db_form.generation.choices = [(e.id, e.run.day) for e in entries if e.databases]
    return render_template("enduser/backups.html", form=form, entries=entries, restores=done, confirm=confirm,
                           db_form=db_form, db_confirm=db_confirm, issued=issued,
                           prefix=database_rules.prefix(customer)), status


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


@enduser_only
def backup_database():
    """A database of a generation restored into a new database (the live one is never touched)."""
    form = DatabaseRestoreForm()
    if not form.validate_on_submit():
        return _page(RestoreForm(formdata=None), form_status(form), db_form=form)
    entry = db().get(BackupEntry, form.generation.data) if form.generation.data else None
    if entry is None or entry.customer_id != me().id:
        form.generation.errors = [_("Choose one of the listed values.")]
        return _page(RestoreForm(formdata=None), 400, db_form=form)
    if form.confirm.data != "yes":
        if form.database.data not in [f"{e} {n}" for e, n in entry.database_list]:
            form.database.errors = [_("Choose a database this generation holds.")]
            return _page(RestoreForm(formdata=None), 400, db_form=form)
        form.confirm.data = "yes"
        return _page(RestoreForm(formdata=None), 200, db_form=form, db_confirm={
            "database": form.database.data.split(" ", 1)[1], "day": entry.run.day, "name": form.name.data})
    made = commit_or_show(form, lambda: restores.request_database_copy(
        db(), actor(), current_app.extensions["panel.box"], entry, form.database.data, form.name.data,
        confirmed=True))
    if made is FAILED:
        form.confirm.data = ""
        return _page(RestoreForm(formdata=None), 400, db_form=form)
    restore, password, works = made
    enqueue_work(works)
    workers.api.restore_backup(restore.id)
    # the new database's password: in this response only, never flashed (as on the Databases page)
    return _page(RestoreForm(formdata=None), 200, issued={"restore": restore, "password": password})


@enduser_object
def backup_restore(restore_id):
    restore = get_owned_or_404(db(), BackupRestore, restore_id)
    return render_template("enduser/backup_restore.html", restore=restore)
