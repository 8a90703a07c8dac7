"""Provider admin: a server's backups (issue 18) — its plan (on/off, time of day, target), "run
now", the generations with their date, size and result, and restores of a customer's site,
mailbox or database (or a file/folder into restored-<date>/) to a chosen generation, and of the
whole server (confirmed by typing its host name), each with a confirmation and its progress.
Rules in tenants/backups/; jobs through workers.api."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import Length, Optional

import workers.api
from panel.provider.accounts import staff_only
from tenants.backups import plans, restores, server_restore
from tenants.backups.models import BackupEntry, BackupRestore, BackupRun, BackupServerRestore
from tenants.errors import N_, RuleViolation
from tenants.models import Server
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show, form_status


class PlanForm(FlaskForm):
    enabled = BooleanField(_l("Daily backup on"))
    run_at = StringField(_l("Time of day (Japan time)"), validators=[Length(max=5)])
    target_kind = SelectField(_l("Target"), choices=[("path", _l("A folder on the server (2nd disk)")),
                                                     ("ssh", _l("A backup server over SSH"))])
    target_path = StringField(_l("Folder"), validators=[Length(max=1000)])
    target_host = StringField(_l("Backup server"), validators=[Optional(), Length(max=253)])
    target_user = StringField(_l("User on the backup server"), validators=[Optional(), Length(max=32)])
    target_port = IntegerField(_l("SSH port"), default=22, validators=[Optional()])


class RestoreForm(FlaskForm):
    entry = SelectField(_l("Customer and generation"), coerce=int, validate_choice=False)
    kind = SelectField(_l("What"), choices=[("site", _l("The whole site (home), in place")),
                                            ("mailbox", _l("A mailbox, in place")),
                                            ("database", _l("A database, in place")),
                                            ("files", _l("A file or folder, into restored-<date>/"))])
    item = StringField(_l("Mailbox, database (engine name) or path"), validators=[Length(max=1000)])
    confirm = BooleanField(_l("I confirm: what is restored in place replaces what is there now"))


class ServerRestoreForm(FlaskForm):
    run = SelectField(_l("Generation"), coerce=int, validate_choice=False)
    confirm = StringField(_l("Type the server's host name to confirm"), validators=[Length(max=253)])


def _minute(text: str) -> int | None:
    try:
        hours, minutes = (int(x) for x in (text or "").strip().split(":"))
    except ValueError:
        return None
    return hours * 60 + minutes if 0 <= hours < 24 and 0 <= minutes < 60 else None


def _page(server, form, restore_form, status=200, server_form=None):
    s = db()
    runs = s.execute(select(BackupRun).where(BackupRun.server_id == server.id)
                     .order_by(BackupRun.taken_at.desc()).limit(30)).scalars().all()
    server_form = server_form or ServerRestoreForm(formdata=None)
    server_form.run.choices = [(r.id, f"{r.day} · {r.archive}") for r in runs if r.state == "ok"]
    whole = s.execute(select(BackupServerRestore).where(BackupServerRestore.server_id == server.id)
                      .order_by(BackupServerRestore.id.desc()).limit(10)).scalars().all()
    entries = s.execute(select(BackupEntry).join(BackupRun).where(BackupRun.server_id == server.id,
                                                                  BackupRun.state == "ok")
                        .order_by(BackupRun.taken_at.desc(), BackupEntry.customer_id)).scalars().all()
    restore_form.entry.choices = [(e.id, f"{e.run.day} · #{e.customer_id} {e.home}") for e in entries]
    done = s.execute(select(BackupRestore).join(BackupEntry).join(BackupRun).where(BackupRun.server_id == server.id)
                     .order_by(BackupRestore.id.desc()).limit(20)).scalars().all()
    return render_template("provider/server_backups.html", server=server, form=form, restore_form=restore_form,
                           plan=plans.plan_for(s, server.id), runs=runs, restores=done,
                           server_form=server_form, server_restores=whole), status


@staff_only
def server_backups(server_id):
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    plan = plans.plan_for(s, server.id)
    form = PlanForm()
    if not form.is_submitted():
        minute = plan.run_at_minute if plan else plans.spread_minute(server.id)
        form.run_at.data = f"{minute // 60:02d}:{minute % 60:02d}"
        if plan:
            form.enabled.data, form.target_kind.data, form.target_path.data = (plan.enabled, plan.target_kind,
                                                                               plan.target_path)
            form.target_host.data, form.target_user.data = plan.target_host, plan.target_user
            form.target_port.data = plan.target_port
    if form.validate_on_submit():
        minute = _minute(form.run_at.data)

        def save():
            if minute is None:
                raise RuleViolation.one(N_("Enter a time of day such as 03:30."), "run_at")
            return plans.save_plan(s, current_user, current_app.extensions["panel.box"], server, {
                "enabled": form.enabled.data, "run_at_minute": minute, "target_kind": form.target_kind.data,
                "target_path": form.target_path.data or "", "target_host": form.target_host.data or None,
                "target_user": form.target_user.data or None, "target_port": form.target_port.data or 22})
        if commit_or_show(form, save) is not FAILED:
            flash(_("Saved."), "success")
            return redirect(url_for("provider.server_backups", server_id=server.id))
    return _page(server, form, RestoreForm(formdata=None), form_status(form))


@staff_only
def server_backup_run(server_id):
    server = get_owned_or_404(db(), Server, server_id)
    if FlaskForm().validate_on_submit():
        if plans.plan_for(db(), server.id) is None:
            flash(_("Save the backup plan first."), "error")
        else:
            workers.api.run_backup(server.id)
            flash(_("The backup has started."), "success")
    return redirect(url_for("provider.server_backups", server_id=server.id))


@staff_only
def server_backup_restore(server_id):
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    form = RestoreForm()
    if form.validate_on_submit():
        entry = s.get(BackupEntry, form.entry.data or 0)
        if entry is None or entry.run.server_id != server.id:
            form.entry.errors = [_("Choose one of the listed values.")]
        else:
            made = commit_or_show(form, lambda: restores.request_restore(
                s, current_user, entry, form.kind.data, form.item.data or "", by="provider",
                confirmed=bool(form.confirm.data)))
            if made is not FAILED:
                workers.api.restore_backup(made.id)
                flash(_("The restore has started."), "success")
                return redirect(url_for("provider.server_backups", server_id=server.id))
    return _page(server, PlanForm(formdata=None), form, 400 if request.method == "POST" else 200)


@staff_only
def server_backup_restore_server(server_id):
    """The whole server to one generation, after the provider typed its host name."""
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    form = ServerRestoreForm()
    if form.validate_on_submit():
        run = s.get(BackupRun, form.run.data or 0)
        made = commit_or_show(form, lambda: server_restore.request_server_restore(
            s, current_user, server, run, form.confirm.data or ""))
        if made is not FAILED:
            workers.api.restore_server(made.id)
            flash(_("The restore of the whole server has started."), "success")
            return redirect(url_for("provider.server_backups", server_id=server.id))
    return _page(server, PlanForm(formdata=None), RestoreForm(formdata=None), 400, server_form=form)
