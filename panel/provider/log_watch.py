"""Provider admin: the log watch of Gold/Platinum servers (managed option spec): each server's
findings, where each log was read to, its suppressions; the patterns every watched server uses."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from panel.provider.accounts import staff_only
from panel.provider.forms import LogPatternForm, LogSuppressionForm
from tenants.errors import NotFound
from tenants.models import LogFinding, LogPattern, LogSuppression, LogWatchCursor, ResourceThreshold, Server
from tenants.monitoring import log_watch as rules
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show
from web.paging import paginate


def _server_page(s, server, form=None, status=200):
    findings = paginate(s, select(LogFinding).where(LogFinding.server_id == server.id)
                        .order_by(LogFinding.last_seen.desc(), LogFinding.id.desc()), server_id=server.id)
    cursors = s.execute(select(LogWatchCursor).where(LogWatchCursor.server_id == server.id)
                        .order_by(LogWatchCursor.path)).scalars().all()
    suppressions = s.execute(select(LogSuppression).where(LogSuppression.server_id == server.id)
                             .order_by(LogSuppression.id)).scalars().all()
    thresholds = s.get(ResourceThreshold, server.id)
    return render_template("provider/log_watch.html", server=server, findings=findings.items, page=findings,
                           cursors=cursors, suppressions=suppressions, watched=bool(thresholds and thresholds.log_watch),
                           form=form or LogSuppressionForm()), status


@staff_only
def log_watch_server(server_id):
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    if request.method == "GET":
        return _server_page(s, server)
    form = LogSuppressionForm()
    if form.validate_on_submit() and commit_or_show(form, lambda: rules.add_suppression(
            s, current_user, server, form.regex.data, form.note.data)) is not FAILED:
        flash(_("Suppression added."), "success")
        return redirect(url_for("provider.log_watch_server", server_id=server.id))
    return _server_page(s, server, form, 400)


@staff_only
def log_suppression_delete(server_id, suppression_id):
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    row = get_owned_or_404(s, LogSuppression, suppression_id)
    if row.server_id != server.id:
        raise NotFound("LogSuppression")
    rules.delete_suppression(s, current_user, row)
    s.commit()
    flash(_("Suppression deleted."), "success")
    return redirect(url_for("provider.log_watch_server", server_id=server.id))


@staff_only
def log_patterns():
    s = db()
    form = LogPatternForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit() and commit_or_show(form, lambda: rules.add_pattern(
                s, current_user, form.name.data, form.regex.data)) is not FAILED:
            flash(_("Pattern added."), "success")
            return redirect(url_for("provider.log_patterns"))
        status = 400
    patterns = s.execute(select(LogPattern).order_by(LogPattern.id)).scalars().all()
    return render_template("provider/log_patterns.html", patterns=patterns, form=form), status


@staff_only
def log_pattern_toggle(pattern_id):
    s = db()
    row = get_owned_or_404(s, LogPattern, pattern_id)
    rules.set_pattern_enabled(s, current_user, row, not row.enabled)
    s.commit()
    return redirect(url_for("provider.log_patterns"))
