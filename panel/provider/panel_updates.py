"""Provider admin: updates of the control panel announced ahead to every reseller and, under each
reseller's brand, to its end users (OEM spec: 管理画面のアップデートの際は事前にお知らせ); sent
by the maintenance-announcement job with its reminder and ended notice."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from panel.provider.accounts import staff_only
from panel.provider.forms import PanelUpdateForm
from tenants.calendar import JST
from tenants.models import MaintenanceWindow
from tenants.monitoring.announcements import add_panel_update
from web.db import db
from web.forms import FAILED, commit_or_show


@staff_only
def panel_updates():
    s = db()
    form = PanelUpdateForm()
    status = 200
    if form.is_submitted():
        if form.validate_on_submit() and commit_or_show(form, lambda: add_panel_update(
                s, current_user, form.starts_at.data.replace(tzinfo=JST), form.ends_at.data.replace(tzinfo=JST),
                form.note.data, form.announce_days.data, form.tell_end_users.data)) is not FAILED:
            flash(_("The panel update will be announced."), "success")
            return redirect(url_for("provider.panel_updates"))
        status = 400
    windows = s.execute(select(MaintenanceWindow).where(MaintenanceWindow.server_id.is_(None))
                        .order_by(MaintenanceWindow.starts_at.desc()).limit(50)).scalars().all()
    return render_template("provider/panel_updates.html", form=form, windows=windows), status
