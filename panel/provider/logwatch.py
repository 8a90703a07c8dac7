"""Provider admin: a Gold/Platinum server's log findings (issue 20 item 4) and its detect /
suppress patterns."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from panel.provider.accounts import staff_only
from panel.provider.forms import LogWatchRuleForm
from tenants.logwatch import rules
from tenants.models import Server
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show, form_status


@staff_only
def server_logwatch(server_id):
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    form = LogWatchRuleForm()
    if form.validate_on_submit() and commit_or_show(form, lambda: rules.add_rule(
            s, current_user, server, form.kind.data, form.pattern.data or "")) is not FAILED:
        flash(_("Saved."), "success")
        return redirect(url_for("provider.server_logwatch", server_id=server.id))
    patterns = rules.patterns(s, server.id)
    return render_template("provider/logwatch.html", server=server, form=form, findings=rules.findings(s, server.id),
                           patterns=patterns, defaults=rules.DEFAULT_PATTERNS), form_status(form)
